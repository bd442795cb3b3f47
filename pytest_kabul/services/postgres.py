"""``PostgresService``: a Postgres server for the live checks, and throwaway databases in it.

Providers (the pytest fixture tries them in this order; the Docker one lives in the fixture
because it goes through pytest-docker):

- :meth:`PostgresService.from_url` — an existing server (``--kabul-postgres-url``). A host
  that is not loopback is refused unless ``allow_remote``.
- :meth:`PostgresService.embedded` — local binaries: ``initdb`` into a temp dir and
  ``pg_ctl start`` on a free 127.0.0.1 port (as the ``postgres`` user when we are root, since
  ``pg_ctl`` refuses root), stopped with ``-m immediate`` and removed afterwards.

Checks never touch the server's existing databases: :meth:`PostgresService.database` creates
``kabul_<random>`` and drops it (``WITH (FORCE)``) when the block ends. Every created thing is
registered with :mod:`cleanup` first, so exit, Ctrl-C and SIGTERM still remove it.
"""

from __future__ import annotations

import contextlib
import enum
import glob
import ipaddress
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pytest_kabul.errors import PostgresUnavailable, RemoteDatabaseRefused
from pytest_kabul.services import cleanup, owners
from pytest_kabul.services.procs import free_port, tail
from pytest_kabul.services.runas import as_user, chown_tree, unprivileged_user

DB_PREFIX = "kabul_"
_BIN_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/local/pgsql/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql*/bin",
    "/usr/local/opt/postgresql*/bin",
)


def is_loopback(host: str | None) -> bool:
    if not host or host.startswith("/") or host == "localhost":
        return True  # unix socket or local name
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redact(url: str) -> str:
    """The URL with its password replaced by ``***`` (safe for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True)
class Database:
    """A throwaway database the plugin created (and will drop)."""

    name: str
    host: str
    port: int
    user: str
    password: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.url()

    def url(self, driver: str | None = None) -> str:
        """``postgresql[+driver]://user[:password]@host:port/name``."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{auth}@{host}:{self.port}/{self.name}"


class PostgresProvider(enum.StrEnum):
    """Where a :class:`PostgresService` came from (a ``str`` too: ``provider == "embedded"``)."""

    URL = "url"
    DOCKER = "docker"
    EMBEDDED = "embedded"

    def __str__(self) -> str:
        return self.value


@dataclass
class PostgresService:
    provider: PostgresProvider
    host: str
    port: int
    user: str
    password: str | None = field(default=None, repr=False)
    admin_db: str = "postgres"
    data_dir: Path | None = None  # embedded only
    log: Path | None = None
    start_seconds: float = 0.0
    created: set[str] = field(default_factory=set)
    # Results that several live checks share for this server (KAB351 and KAB352 use one
    # upgrade of one throwaway database), keyed by the caller.
    memo: dict[object, object] = field(default_factory=dict, repr=False)
    _owned: dict[str, int] = field(default_factory=dict, repr=False)  # database -> owners handle

    # -- connections ---------------------------------------------------------------------
    def _connect(self, dbname: str | None = None) -> object:
        try:
            import psycopg
        except ImportError:
            raise PostgresUnavailable(
                "psycopg is not installed: the live checks need pip install 'pytest-kabul[live]'"
            ) from None

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.admin_db,
            autocommit=True,
            connect_timeout=10,
        )

    def execute(self, sql: str, *, dbname: str | None = None) -> list[tuple[object, ...]]:
        """Run one statement and return its rows (``[]`` for statements without rows)."""
        with self._connect(dbname) as conn, conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []

    def ping(self) -> bool:
        try:
            self.execute("SELECT 1")
        except Exception:
            return False
        return True

    def kabul_databases(self) -> list[str]:
        """Names of ``kabul_*`` databases currently on the server (for leak checks)."""
        rows = self.execute("SELECT datname FROM pg_database WHERE datname LIKE 'kabul\\_%'")
        return sorted(str(r[0]) for r in rows)

    # -- throwaway databases -------------------------------------------------------------
    def create_database(self) -> Database:
        """Written down (state file) before ``CREATE DATABASE``; its comment names the owner
        (``kabul:<pid>:<start>``), so a later run can drop it if this one is killed."""
        name = DB_PREFIX + secrets.token_hex(6)
        handle = owners.record(
            {"kind": "database", "name": name, "host": self.host, "port": self.port,
             "user": self.user, "password": self.password, "admin_db": self.admin_db}
        )  # fmt: skip
        self._owned[name] = handle
        self.created.add(name)
        self.execute(f'CREATE DATABASE "{name}"')
        self.execute(f"COMMENT ON DATABASE \"{name}\" IS '{owners.comment()}'")
        return Database(name, self.host, self.port, self.user, self.password)

    def reap_databases(self) -> list[str]:
        """Drop ``kabul_*`` databases whose owner (named in their comment) is dead. Only on a
        loopback server: a pid means nothing on another machine."""
        if not is_loopback(self.host):
            return []
        rows = self.execute(
            "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '')"
            " FROM pg_database WHERE datname LIKE 'kabul\\_%'"
        )
        dropped = []
        for name, text in rows:
            if owners.dead_owner(str(text)):
                with contextlib.suppress(Exception):
                    self.drop_database(str(name))
                    dropped.append(str(name))
        return dropped

    def drop_database(self, name: str) -> None:
        if not name.startswith(DB_PREFIX):
            raise ValueError(f"refusing to drop {name!r}: not a database pytest-kabul created")
        try:
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:  # Postgres < 13 has no FORCE
            self.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            self.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.created.discard(name)
        handle = self._owned.pop(name, None)
        if handle is not None:
            owners.forget(handle)

    @contextlib.contextmanager
    def database(self) -> Iterator[Database]:
        """A fresh ``kabul_<random>`` database, dropped when the block ends (also on error)."""
        db = self.create_database()
        handle = cleanup.on_exit(lambda: self.drop_database(db.name))
        try:
            yield db
        finally:
            cleanup.run_cleanup(handle)

    def log_tail(self, lines: int = 30) -> str:
        return tail(self.log, lines) if self.log is not None else ""

    # -- providers -----------------------------------------------------------------------
    @classmethod
    @contextlib.contextmanager
    def from_url(
        cls,
        url: str,
        *,
        allow_remote: bool = False,
        provider: PostgresProvider = PostgresProvider.URL,
    ) -> Iterator[PostgresService]:
        parts = urlsplit(url)
        if not parts.scheme.startswith(("postgresql", "postgres")):
            raise PostgresUnavailable(f"{redact(url)} is not a postgresql:// URL")
        host = parts.hostname or "127.0.0.1"
        if not is_loopback(host) and not allow_remote:
            raise RemoteDatabaseRefused(
                f"refusing Postgres host {host!r}: it is not loopback; pass"
                " --kabul-allow-remote-db to run migrations on a remote server"
            )
        service = cls(
            provider=provider,
            host=host,
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password) if parts.password else None,
            admin_db=parts.path.lstrip("/") or "postgres",
        )
        if not service.ping():
            raise PostgresUnavailable(f"cannot connect to {redact(url)}")
        with contextlib.suppress(Exception):
            service.reap_databases()
        try:
            yield service
        finally:
            for name in sorted(service.created):
                with contextlib.suppress(Exception):
                    service.drop_database(name)

    @classmethod
    @contextlib.contextmanager
    def embedded(
        cls, *, bin_dir: Path | None = None, timeout: float = 30.0
    ) -> Iterator[PostgresService]:
        """A private server from local binaries, gone (process and files) after the block."""
        found = bin_dir or find_binaries()
        if found is None:
            raise PostgresUnavailable(
                "no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin; install PostgreSQL"
                " server binaries or pass --kabul-postgres-url"
            )
        started = time.monotonic()
        user = unprivileged_user()
        tmp = Path(tempfile.mkdtemp(prefix="kabul-pg-"))
        data, log = tmp / "data", tmp / "postgres.log"
        owned = owners.record(
            {"kind": "postgres", "tmp": str(tmp), "bin_dir": str(found), "user": user}
        )

        def stop() -> None:
            _stop_and_remove(found, tmp, user)
            owners.forget(owned)

        handle = cleanup.on_exit(stop)
        try:
            chown_tree(tmp, user)
            env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
            _run_checked(
                as_user([str(found / "initdb"), "-D", str(data), "-U", "postgres", "-A",
                         "trust", "-E", "UTF8", "--no-sync"], user),
                env, "initdb",
            )  # fmt: skip
            port = free_port()
            options = (
                f"-F -p {port} -c unix_socket_directories='' -c listen_addresses=127.0.0.1"
                " -c synchronous_commit=off -c full_page_writes=off"
            )
            _run_checked(
                as_user([str(found / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t",
                         str(int(timeout)), "-o", options, "start"], user),
                env, "pg_ctl start", log,
            )  # fmt: skip
            service = cls(
                provider=PostgresProvider.EMBEDDED,
                host="127.0.0.1",
                port=port,
                user="postgres",
                data_dir=data,
                log=log,
                start_seconds=time.monotonic() - started,
            )
            yield service
        finally:
            cleanup.run_cleanup(handle)


def find_binaries() -> Path | None:
    """The folder holding both ``initdb`` and ``pg_ctl``: PATH first, then known locations."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(
        (Path(p) for pattern in _BIN_GLOBS for p in glob.glob(pattern)),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
        reverse=True,
    )
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _run_checked(argv: list[str], env: dict[str, str], what: str, log: Path | None = None) -> None:
    try:
        done = subprocess.run(
            argv,
            env=env,
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise PostgresUnavailable(f"{what} did not finish within 120 s") from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()[-15:]
        detail = "\n".join(output) + ("\n" + tail(log, 15) if log is not None else "")
        raise PostgresUnavailable(f"{what} failed (exit {done.returncode}): {detail.strip()}")


def _stop_and_remove(bin_dir: Path, tmp: Path, user: str | None) -> None:
    data = tmp / "data"
    pid = _postmaster_pid(data)
    if (data / "postmaster.pid").exists():
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            subprocess.run(
                as_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                         "stop"], user),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False,
            )  # fmt: skip
    if pid is not None:
        # pg_ctl may have been interrupted mid-start; make sure the postmaster is gone before
        # removing its files (it would otherwise recreate some while shutting down).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while is_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    for _ in range(20):
        shutil.rmtree(tmp, ignore_errors=True)
        if not tmp.exists():
            return
        time.sleep(0.1)


def is_running(pid: int) -> bool:
    """The process exists and is not a zombie. A stopped postmaster stays in ``/proc`` as a
    zombie until its parent (init, or whoever adopted the daemon) reaps it, but it holds no
    files any more: waiting for it to vanish cost ~1.2 s of every embedded teardown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rpartition(")")[2].split()[:1]  # the command name may hold spaces or ")"
    return state != ["Z"] and state != ["X"]


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _reap_database(entry: dict[str, Any]) -> str | None:
    name = str(entry["name"])
    service = PostgresService(
        provider=PostgresProvider.URL, host=str(entry["host"]), port=int(entry["port"]),
        user=str(entry["user"]), password=entry.get("password"),
        admin_db=str(entry.get("admin_db") or "postgres"),
    )  # fmt: skip
    try:
        service.drop_database(name)
    except Exception:
        return None
    return f"database {name}"


def _reap_embedded(entry: dict[str, Any]) -> str | None:
    tmp = Path(str(entry["tmp"]))
    if not tmp.exists():
        return None
    _stop_and_remove(Path(str(entry["bin_dir"])), tmp, entry.get("user"))
    return f"embedded Postgres {tmp}"


owners.register_reaper("database", _reap_database)
owners.register_reaper("postgres", _reap_embedded)
