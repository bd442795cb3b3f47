"""``ReplicaFactory``: start replicas of a discovered app with a complete, generated environment.

The object behind the ``kabul_replicas`` fixture (and the live checks), usable without pytest::

    factory = ReplicaFactory(project, redis=redis_service)
    with factory.start(n=2) as replicas: ...
    factory.stop_all()

Every start gets a freshly emptied Redis database (when a Redis is provided), the database URL
from ``database_url(app)`` (a fresh database, when a Postgres provider is wired in), generated
values for required Settings fields, ``[tool.kabul.live.env]`` and finally the caller's ``env``;
``unset`` removes variables (KAB251 starts the app without the ones it should refuse to miss).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_kabul.errors import CheckSkipped, ReplicaStartError
from pytest_kabul.live.appenv import interpreter, replica_env
from pytest_kabul.live.pyversion import newer_syntax_reason, relative_site, syntax_error
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import AsgiApp, asgi_apps, probe_path
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
    database_url: Callable[[AsgiApp], str | None] = lambda _app: None
    python: str | None = None  # None: [tool.kabul.live] python, else sys.executable
    started: list[AppReplicas] = field(default_factory=list)

    def environment(
        self, app: AsgiApp, env: Mapping[str, str] | None = None, unset: Iterable[str] = ()
    ) -> dict[str, str]:
        values = replica_env(
            self.project,
            app,
            database_url=lambda: self.database_url(app),
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
        """Start ``n`` replicas and wait until all answer; stopped by :meth:`stop_all` too."""
        target = find_app(self.project, app)
        if self.redis is not None:
            self.redis.reset()
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
        return replicas

    def could_not_start(self, exc: ReplicaStartError) -> str | None:
        """:func:`start_failure` with this project's root and interpreter."""
        return start_failure(
            exc, root=self.project.root, python=self.python or interpreter(self.project)
        )

    def stop_all(self) -> None:
        for replicas in self.started:
            replicas.stop()
