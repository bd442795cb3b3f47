"""``AppReplicas``: N real uvicorn processes of the app under check, on free loopback ports.

Each replica is a separate OS process leading its own process group (never a thread: threads
share memory and would make an in-memory limiter look shared), started with the same
environment. The environment is built from scratch (PATH, HOME, locale, the virtualenv) plus
what the caller passes, so a developer's own ``DATABASE_URL`` never leaks into a live check.
Output goes to one log file per replica; readiness is an HTTP answer on the health route within
``startup_timeout``, and a replica that exits or never answers raises :class:`ReplicaStartError`
carrying its log tail. Log tails mask every value the caller put in the environment. Every
process group is stopped on exit (SIGTERM, then SIGKILL), also when the ``with`` body fails or
is interrupted, and at interpreter exit (or SIGTERM/SIGHUP) as a last resort.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import requests

from pytest_kabul.errors import ReplicaStartError
from pytest_kabul.services.procs import Spawned, free_port, spawn, tail

BASE_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV", "TZ")


@dataclass(frozen=True)
class AppTarget:
    """What to run: ``uvicorn <target> [--factory]`` from ``app_dir``."""

    target: str
    app_dir: Path
    factory: bool = False


@dataclass
class Replica:
    index: int
    port: int
    spawned: Spawned
    ready_status: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.spawned.pid

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.spawned.log, lines)


def base_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in BASE_ENV_KEYS if k in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@functools.cache
def uvicorn_options(python: str) -> frozenset[str]:
    """The options ``python -m uvicorn`` accepts (from its ``--help``); empty when it does not
    answer (then nothing is left out: the start fails and says why)."""
    try:
        done = subprocess.run(
            [python, "-m", "uvicorn", "--help"], capture_output=True, text=True, timeout=60,
            check=False, stdin=subprocess.DEVNULL, env=base_env(),
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", done.stdout))


def uvicorn_argv(python: str, app: AppTarget, port: int) -> list[str]:
    """The uvicorn command line; options the project's uvicorn does not know (an old release
    has no ``--timeout-graceful-shutdown``) are left out rather than failing the start."""
    known = uvicorn_options(python)
    argv = [python, "-m", "uvicorn", app.target, "--host", "127.0.0.1", "--port", str(port)]
    optional = [("--app-dir", str(app.app_dir)), ("--no-access-log",), ("--log-level", "info")]
    optional.append(("--timeout-graceful-shutdown", "2"))
    for option in optional:
        if not known or option[0] in known:
            argv += option
    if app.factory:
        argv.append("--factory")
    return argv


def http_status(port: int, path: str, timeout: float = 1.0) -> int | None:
    """GET ``path`` on a loopback port: the status, or None when nothing answers.

    No redirects are followed and no proxy from the environment is used: the status is the
    replica's own answer.
    """
    with requests.Session() as session:
        session.trust_env = False  # never route a loopback probe through HTTP(S)_PROXY
        try:
            response = session.get(
                f"http://127.0.0.1:{port}{path}",
                headers={"Connection": "close"},
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException:
            return None
        return response.status_code


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: str  # the first ``limit`` characters, decoded leniently


def http_get(port: int, path: str, timeout: float = 1.0, limit: int = 4000) -> HttpAnswer | None:
    """GET ``path`` on a loopback port like :func:`http_status`, keeping the start of the body."""
    with requests.Session() as session:
        session.trust_env = False
        try:
            response = session.get(
                f"http://127.0.0.1:{port}{path}",
                headers={"Connection": "close"},
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException:
            return None
        return HttpAnswer(response.status_code, response.content[:limit].decode("utf-8", "replace"))


@dataclass
class AppReplicas:
    """``with AppReplicas(app, n=2, env=...) as replicas:`` — all ready, or an error."""

    app: AppTarget
    n: int = 2
    env: Mapping[str, str] = field(default_factory=dict)
    python: str = sys.executable
    health_path: str = "/"
    startup_timeout: float = 30.0
    log_dir: Path | None = None
    replicas: list[Replica] = field(default_factory=list)
    # Replicas that exited during the concurrent start and were started again alone.
    restarted: list[int] = field(default_factory=list)
    tails: dict[int, str] = field(default_factory=dict)
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _stopped: bool = False
    _owned: int | None = None

    def __enter__(self) -> AppReplicas:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def environment(self) -> dict[str, str]:
        return {**base_env(), **self.env}

    def start(self) -> None:
        if self.log_dir is None:
            from pytest_kabul.services import owners

            self._tmp = tempfile.TemporaryDirectory(prefix="kabul-replicas-")
            self.log_dir = Path(self._tmp.name)
            self._owned = owners.record({"kind": "dir", "path": self._tmp.name})
        env = self.environment
        deadline = time.monotonic() + self.startup_timeout
        # All replicas start at once, as a deployment's do. An app whose one-time start-up work
        # (create_all, seeding, migrations in its lifespan) races itself may lose one: it is
        # started again, alone, once another is ready (its log keeps both attempts).
        for index in range(self.n):
            self._spawn(index, env)
        lost: list[tuple[int, ReplicaStartError]] = []
        for position, replica in enumerate(list(self.replicas)):
            try:
                self._wait_ready(replica, deadline)
            except ReplicaStartError as exc:
                if exc.exit_code is None or self.n == 1:
                    raise  # no answer in time, or nothing it could have raced
                lost.append((position, exc))
        if len(lost) == self.n:
            raise lost[0][1]
        for position, _exc in lost:
            failed = self.replicas[position]
            failed.spawned.stop(grace=1.0)  # what it left in its process group
            again = self._spawn(failed.index, env, position=position)
            self.restarted.append(failed.index)
            self._wait_ready(again, deadline)

    def _spawn(self, index: int, env: dict[str, str], *, position: int | None = None) -> Replica:
        assert self.log_dir is not None
        port = free_port()
        log = self.log_dir / f"replica-{index}.log"
        child = spawn(
            uvicorn_argv(self.python, self.app, port), cwd=self.app.app_dir, env=env, log=log
        )
        replica = Replica(index, port, child)
        if position is None:
            self.replicas.append(replica)
        else:
            self.replicas[position] = replica
        return replica

    def _wait_ready(self, replica: Replica, deadline: float) -> None:
        while True:
            status = http_status(replica.port, self.health_path, timeout=1.0)
            if status is not None:
                replica.ready_status = status
                return
            code = replica.spawned.process.poll()
            if code is not None:
                raise ReplicaStartError(
                    f"replica {replica.index} ({self.app.target}) exited with code {code}"
                    " before answering",
                    self._redact(replica.log_tail()),
                    code,
                )
            if time.monotonic() >= deadline:
                raise ReplicaStartError(
                    f"replica {replica.index} ({self.app.target}) did not answer"
                    f" GET {self.health_path} within {self.startup_timeout:g}s",
                    self._redact(replica.log_tail()),
                    None,
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop every replica's process group; safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        for replica in self.replicas:
            replica.spawned.stop(grace=3.0)
        if self._tmp is not None:
            from pytest_kabul.services import owners

            self._keep_tails()
            self._tmp.cleanup()
            self._tmp = None
            if self._owned is not None:
                owners.forget(self._owned)

    def _keep_tails(self) -> None:
        # Log files live in a temp dir that is about to go; keep the tails for reports.
        self.tails = {r.index: r.log_tail(200) for r in self.replicas}

    def _redact(self, text: str) -> str:
        """Mask every value we put in the app's environment (a log line may echo one)."""
        for value in sorted({v for v in self.env.values() if len(v) >= 8}, key=len, reverse=True):
            text = text.replace(value, "***")
        return text

    def redact(self, text: str) -> str:
        """``text`` with every value this replica set was given in its environment masked."""
        return self._redact(text)

    def log_tails(self, lines: int = 40) -> str:
        blocks = []
        for replica in self.replicas:
            kept = self.tails.get(replica.index)
            text = "\n".join(kept.splitlines()[-lines:]) if kept else replica.log_tail(lines)
            text = self._redact(text)
            blocks.append(f"--- replica {replica.index} (port {replica.port}) ---\n{text}")
        return "\n".join(blocks)
