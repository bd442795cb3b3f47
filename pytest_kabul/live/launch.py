"""``ReplicaFactory``: start replicas of a discovered app with a complete, generated environment.

The object behind the ``kabul_replicas`` fixture (and the live checks), usable without pytest::

    factory = ReplicaFactory(project, redis=redis_service, postgres=lambda: pg_service)
    replicas = factory.start(n=2)
    ...
    factory.stop(replicas)  # raises SafetyError if they reached another database
    factory.stop_all()

Every start gets a freshly emptied Redis database (when a Redis is provided), a fresh
``kabul_<random>`` database when the app reads a database variable and a Postgres server is
wired in, generated values for required Settings fields, ``[tool.kabul.live.env]`` and finally
the caller's ``env``; ``unset`` removes variables (KAB251 starts the app without the ones it
should refuse to miss). After the replicas stop, :mod:`.witness` checks they used only what
the plugin gave them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_kabul.errors import CheckSkipped, ReplicaStartError, SafetyError, ServiceUnavailable
from pytest_kabul.live.appenv import database_scheme, interpreter, replica_env
from pytest_kabul.live.pyversion import newer_syntax_reason, relative_site, syntax_error
from pytest_kabul.live.witness import Throwaway, verify
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import AsgiApp, asgi_apps, probe_path
from pytest_kabul.services.pgstats import activity
from pytest_kabul.services.postgres import PostgresService
from pytest_kabul.services.redis import RedisService
from pytest_kabul.services.replicas import AppReplicas, AppTarget

_MISSING_FILE = re.compile(r"FileNotFoundError: \[Errno 2\] No such file or directory: '([^']+)'")
_ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Exit)\b.*$", re.M)
_MISSING_MODULE = re.compile(r"(ModuleNotFoundError|ImportError): No module named '([\w.]+)'")


def start_failure(
    exc: ReplicaStartError, *, root: Path | None = None, python: str | None = None
) -> str | None:
    """Why the app could not start *here* (the environment, not the project), if it says so:
    a module missing from the interpreter, code the interpreter cannot parse (named relative
    to ``root``, with ``python``'s version)."""
    found = _MISSING_MODULE.search(exc.log_tail)
    fix = (
        "install the app's dependencies into a virtualenv and name its interpreter in"
        " [tool.kabul.live] python"
    )
    if found:
        return (
            f"the app could not be loaded here: module {found.group(2)!r} is not importable; {fix}"
        )
    syntax = syntax_error(exc.log_tail)
    if syntax is not None:
        site, message = syntax
        return newer_syntax_reason(
            relative_site(site, root) if site else None, message, python=python
        )
    missing = _MISSING_FILE.findall(exc.log_tail)
    if missing:
        return (
            f"the app did not start here: a file it loads at start-up is missing ({missing[-1]});"
            " provide it (generated or downloaded assets, Git LFS files) before the live checks"
        )
    return None


def last_error(log_tail: str) -> str:
    """The final exception line of a log tail (what a skip reason should say)."""
    found = _ERROR_LINE.findall(log_tail)
    return found[-1].strip() if found else "no error line in its output"


def find_app(project: Project, app: AsgiApp | str | None) -> AsgiApp:
    if isinstance(app, AsgiApp):
        return app
    apps = asgi_apps(project)
    for candidate in apps:
        if app is None or app in {candidate.subject, candidate.target}:
            return candidate
    wanted = f" {app!r}" if app else ""
    raise CheckSkipped(
        f'no ASGI app{wanted} found; set [tool.kabul.live] app = "module:app" and app_dir'
    )


@dataclass
class ReplicaFactory:
    project: Project
    redis: RedisService | None = None
    # The Postgres server throwaway databases come from (the kabul_postgres fixture), asked
    # only when the app reads a database variable; None: placeholder URLs on a closed port.
    postgres: Callable[[], PostgresService] | None = None
    python: str | None = None  # None: [tool.kabul.live] python, else sys.executable
    started: list[AppReplicas] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)  # URLs handed out, in order
    _databases: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)
    _given: dict[int, tuple[AsgiApp, Throwaway | None]] = field(default_factory=dict, repr=False)
    _last: Throwaway | None = field(default=None, repr=False)

    def _database_url(self, app: AsgiApp) -> str | None:
        """A fresh ``kabul_<random>`` database (the project's driver), dropped by
        :meth:`stop_all`."""
        if self.postgres is None:
            return None
        server = self.postgres()
        database = self._databases.enter_context(server.database())
        self._last = Throwaway(server, database, activity(server, database.name))
        scheme = database_scheme(self.project, app)
        url = database.url(scheme.split("+", 1)[1] if "+" in scheme else None)
        self.databases.append(url)
        return url

    def environment(
        self, app: AsgiApp, env: Mapping[str, str] | None = None, unset: Iterable[str] = ()
    ) -> dict[str, str]:
        values = replica_env(
            self.project,
            app,
            database_url=lambda: self._database_url(app),
            redis_url=self.redis.url if self.redis else None,
        )
        values.update(env or {})
        for name in unset:
            values.pop(name, None)
        return values

    def start(
        self,
        n: int = 2,
        env: Mapping[str, str] | None = None,
        *,
        app: AsgiApp | str | None = None,
        unset: Iterable[str] = (),
        health: str | None = None,
    ) -> AppReplicas:
        """Start ``n`` replicas and wait until all answer; stop them with :meth:`stop` (which
        checks they used only the throwaway database) or :meth:`stop_all`."""
        target = find_app(self.project, app)
        if self.redis is not None:
            self.redis.reset()
        self._last = None
        replicas = AppReplicas(
            AppTarget(target.target, self.project.root / target.app_dir, target.factory),
            n=n,
            env=self.environment(target, env, unset),
            python=self.python or interpreter(self.project),
            health_path=health or probe_path(self.project, target) or "/",
            startup_timeout=self.project.config.live.startup_timeout,
        )
        self.started.append(replicas)
        replicas.__enter__()
        self._given[id(replicas)] = (target, self._last)
        return replicas

    def stop(self, replicas: AppReplicas) -> None:
        """Stop ``replicas``, then raise :class:`SafetyError` if they reached a database the
        plugin did not create (:func:`pytest_kabul.live.witness.verify`)."""
        replicas.stop()
        given = self._given.pop(id(replicas), None)
        if given is None:  # never started, or already verified
            return
        app, throwaway = given
        verify(
            self.project,
            app,
            replicas.log_tails(lines=200),
            throwaway,
            self.redis.url if self.redis else None,
        )

    def could_not_start(self, exc: ReplicaStartError) -> str | None:
        """:func:`start_failure` with this project's root and interpreter."""
        return start_failure(
            exc, root=self.project.root, python=self.python or interpreter(self.project)
        )

    def start_or_skip(
        self,
        n: int = 2,
        env: Mapping[str, str] | None = None,
        *,
        app: AsgiApp | str | None = None,
        health: str | None = None,
    ) -> AppReplicas:
        """:meth:`start`, or :class:`ServiceUnavailable` saying why the app did not start (the
        environment's fault when :meth:`could_not_start` names it, else the app's last error)."""
        try:
            return self.start(n, env, app=app, health=health)
        except ReplicaStartError as exc:
            reason = self.could_not_start(exc) or (
                f"the app did not start ({exc.args[0]}): {last_error(exc.log_tail)}; give"
                " missing values in [tool.kabul.live.env]"
            )
            raise ServiceUnavailable(reason) from None

    def stop_all(self) -> None:
        """Stop every start (verifying the ones not stopped through :meth:`stop`), then drop
        the throwaway databases; the first safety error is raised after the cleanup."""
        problem: SafetyError | None = None
        try:
            for replicas in self.started:
                try:
                    self.stop(replicas)
                except SafetyError as exc:
                    problem = problem or exc
        finally:
            self._databases.close()
        if problem is not None:
            raise problem
