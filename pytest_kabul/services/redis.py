"""``RedisService``: a Redis server for live checks, from the first provider that applies.

1. An explicit URL (``--kabul-redis-url`` / ``KABUL_REDIS_URL``): a shared server, so the plugin
   claims a database number nobody uses (``DBSIZE`` is 0, claimed with ``SET NX``), hands out
   a URL pointing at it and flushes only that database on teardown.
2. The project's compose Redis service through pytest-docker, when a Docker engine answers.
   (pytest-docker imports pytest, so it is imported only on this path.)
3. Embedded: ``redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no`` in a
   temporary directory, stopped (process group) on teardown.

When none applies, :class:`~pytest_kabul.errors.ServiceUnavailable` is raised (a skip, or an
error under ``--kabul-require-live``). No password ever appears in a message: :attr:`display_url`
is the credential-free form.
"""

from __future__ import annotations

import contextlib
import enum
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_kabul.errors import RedisError, ServiceUnavailable
from pytest_kabul.services.procs import Spawned, free_port, spawn, tail, wait_for
from pytest_kabul.services.resp import RedisAddress, RespConnection

CLAIM_KEY = "kabul:claimed-by"
DEFAULT_DATABASES = 16


class Provider(enum.Enum):
    EXTERNAL = "external"
    COMPOSE = "compose"
    EMBEDDED = "embedded"


@dataclass(frozen=True)
class ComposeRedis:
    """The project's compose service that runs Redis."""

    files: tuple[Path, ...]
    service: str
    container_port: int = 6379


@dataclass(frozen=True)
class RedisService:
    address: RedisAddress  # ``db`` is the database this run owns
    provider: Provider
    log: Path | None = None
    claim_token: str | None = None  # external servers: the SET NX token guarding our database

    @property
    def url(self) -> str:
        """The URL to give the app (may carry the server's password)."""
        return self.address.url()

    @property
    def display_url(self) -> str:
        return self.address.display()

    @property
    def db(self) -> int:
        return self.address.db

    def ping(self) -> bool:
        try:
            with RespConnection(self.address, timeout=1.0) as conn:
                return conn.call("PING") == "PONG"
        except RedisError:
            return False

    def dbsize(self) -> int:
        with RespConnection(self.address) as conn:
            size = conn.call("DBSIZE")
        return size if isinstance(size, int) else 0

    def flush(self) -> None:
        """Empty this run's database only (``FLUSHDB``, never ``FLUSHALL``)."""
        with RespConnection(self.address) as conn:
            conn.call("FLUSHDB")

    def reset(self) -> None:
        """Empty this run's database between uses, keeping the claim on it."""
        with RespConnection(self.address) as conn:
            conn.call("FLUSHDB")
            if self.claim_token is not None:
                conn.call("SET", CLAIM_KEY, self.claim_token, "EX", "86400")

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log, lines) if self.log else ""

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        *,
        url: str | None = None,
        compose: ComposeRedis | None = None,
        embedded: bool = True,
        redis_server: str | None = None,
        allow_remote: bool = False,
    ) -> Iterator[RedisService]:
        """Yield a ready Redis from the first provider that applies (see the module doc)."""
        url = url or os.environ.get("KABUL_REDIS_URL") or None
        if url:
            with external(url, allow_remote=allow_remote) as service:
                yield service
            return
        if compose is not None and docker_engine_answers():
            with from_compose(compose) as service:
                yield service
            return
        binary = redis_server or shutil.which("redis-server")
        if embedded and binary:
            with embedded_server(binary) as service:
                yield service
            return
        raise ServiceUnavailable(
            "no Redis: pass --kabul-redis-url/KABUL_REDIS_URL, run a Docker engine for the"
            " compose service, or install redis-server"
        )


def claim_database(address: RedisAddress, token: str) -> int:
    """Find an empty database and claim it atomically with ``token``; return its number."""
    with RespConnection(replace(address, db=0)) as conn:
        if address.db:
            candidates: Sequence[int] = [address.db]
        else:
            count = DEFAULT_DATABASES
            with contextlib.suppress(RedisError, ValueError, TypeError):
                reply = conn.call("CONFIG", "GET", "databases")
                if isinstance(reply, list) and len(reply) == 2 and isinstance(reply[1], bytes):
                    count = int(reply[1])
            # Database 0 is what every app uses by default: never claim it.
            candidates = range(count - 1, 0, -1)
        for db in candidates:
            conn.call("SELECT", str(db))
            size = conn.call("DBSIZE")
            if size == 0 and conn.call("SET", CLAIM_KEY, token, "NX", "EX", "86400") == "OK":
                return db
    raise ServiceUnavailable(
        f"no empty Redis database on {address.display()} (tried {list(candidates)});"
        " free one or point --kabul-redis-url at another server"
    )


@contextlib.contextmanager
def external(url: str, *, allow_remote: bool = False) -> Iterator[RedisService]:
    from pytest_kabul.services.postgres import is_loopback

    try:
        address = RedisAddress.parse(url)
        if not is_loopback(address.host) and not allow_remote:
            raise ServiceUnavailable(
                f"refusing Redis host {address.host!r}: it is not loopback; pass"
                " --kabul-allow-remote-db to let live checks write to a remote server"
            )
        token = f"{os.getpid()}-{uuid.uuid4().hex}"
        db = claim_database(address, token)
    except RedisError as exc:
        raise ServiceUnavailable(f"Redis from --kabul-redis-url is not usable: {exc}") from None
    service = RedisService(replace(address, db=db), Provider.EXTERNAL, claim_token=token)
    try:
        yield service
    finally:
        with contextlib.suppress(RedisError):
            service.flush()


def docker_engine_answers(timeout: float = 10.0) -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        done = subprocess.run([docker, "info"], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def from_compose(spec: ComposeRedis, timeout: float = 60.0) -> Iterator[RedisService]:
    from pytest_docker.plugin import get_docker_ip, get_docker_services

    project_name = f"kabul{os.getpid()}{uuid.uuid4().hex[:6]}"
    stack = contextlib.ExitStack()
    try:
        services = stack.enter_context(
            get_docker_services(
                "docker compose",
                [str(f) for f in spec.files],
                project_name,
                [f"up -d --wait {spec.service}"],
                ["down -v"],
            )
        )
        port = services.port_for(spec.service, spec.container_port)
        service = RedisService(RedisAddress(get_docker_ip(), port), Provider.COMPOSE)
        if not wait_for(service.ping, timeout, interval=0.2):
            raise ServiceUnavailable(f"compose service {spec.service!r} never answered PING")
    except ServiceUnavailable:
        stack.close()
        raise
    except Exception as exc:  # pytest-docker raises a bare Exception when a command fails
        stack.close()
        raise ServiceUnavailable(f"compose Redis service {spec.service!r}: {exc}") from None
    with stack:
        yield service


def _settled(service: RedisService, child: Spawned) -> Callable[[], bool]:
    return lambda: service.ping() or not child.alive()


@contextlib.contextmanager
def embedded_server(binary: str, timeout: float = 10.0) -> Iterator[RedisService]:
    from pytest_kabul.services import owners

    with tempfile.TemporaryDirectory(prefix="kabul-redis-") as tmp:
        owned = owners.record({"kind": "dir", "path": tmp})
        workdir = Path(tmp)
        log = workdir / "redis.log"
        for _attempt in range(3):  # another process may grab the free port first
            port = free_port()
            argv = [
                binary,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(workdir),
            ]  # fmt: skip
            child = spawn(argv, cwd=workdir, env=dict(os.environ), log=log)
            service = RedisService(RedisAddress("127.0.0.1", port), Provider.EMBEDDED, log)
            try:
                ready = wait_for(_settled(service, child), timeout)
                if ready and child.alive():
                    yield service
                    return
            finally:
                child.stop()
                owners.forget(owned)
        raise ServiceUnavailable(f"embedded redis-server did not start; log tail:\n{tail(log)}")
