"""After the replicas ran: did the app use the throwaway database, and only that one?

Pointing every database variable at the throwaway database (:mod:`.safety`) is done before the
app starts; this module checks it after the fact, so an app that connects elsewhere anyway (a
URL hard-coded in the engine, a second setting nobody recognised) is a safety error, never a
pass:

- the replicas' log names a database or Redis server that is not one the plugin provided
  (a URL, ``connection to server at "10.0.0.5", port 5432``, ``Context impl SQLiteImpl``);
- the app's start-up creates or migrates its schema (an unguarded ``create_all`` or an
  ``alembic.command.upgrade`` reached from its lifespan, or ``Running upgrade`` in its log), it
  started and answered, yet the throwaway database saw no session, no transaction and has no
  table: the schema went to some other database.

An app that touches no database at start-up and names none in its log cannot be judged this
way; it is not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from pytest_kabul.errors import SafetyError
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import AsgiApp
from pytest_kabul.services.pgstats import Activity, saw_clients
from pytest_kabul.services.postgres import Database, PostgresService, is_loopback

_URL = re.compile(
    r"\b((?:postgres(?:ql)?|mysql|mariadb|sqlite|mssql|oracle|cockroachdb|mongodb(?:\+srv)?"
    r"|rediss?|valkey)(?:\+\w+)?)://([^\s'\"<>()\[\]{},]*)",
    re.I,
)
_CONNECT = (
    re.compile(r'connection to server at "([^"]+)"(?: \([^)]*\))?, port (\d+)'),
    re.compile(r"Connect call failed \('([^']+)', (\d+)"),
    re.compile(r'could not translate host name "([^"]+)"()'),
    re.compile(r"Error \d+ connecting to ([\w.\-]+):(\d+)"),  # redis-py
)
_IMPL = re.compile(r"Context impl (\w+?)Impl\b")
_SCHEMA_IN_LOG = re.compile(r"Running upgrade |\bCREATE TABLE\b")
_DEFAULT_PORTS = {"postgres": 5432, "redis": 6379}
CLOSED_PORT = 9  # placeholder URLs point at it (nothing listens): whatever names them is ours


@dataclass(frozen=True)
class Throwaway:
    """The database a start of the replicas was given, and what it had seen before."""

    service: PostgresService
    database: Database
    before: Activity


@dataclass(frozen=True)
class Ours:
    """(host, port) pairs and database names the plugin handed to the app."""

    servers: frozenset[tuple[str, int]]
    databases: frozenset[str]


def ours(throwaway: Throwaway | None, redis_url: str | None) -> Ours:
    servers = {("127.0.0.1", CLOSED_PORT)}
    names: set[str] = set()
    if throwaway is not None:
        servers.add((throwaway.database.host, throwaway.database.port))
        names.add(throwaway.database.name)
    if redis_url:
        split = urlsplit(redis_url)
        servers.add((split.hostname or "127.0.0.1", split.port or 6379))
        names.add((split.path or "/0").lstrip("/") or "0")
    return Ours(frozenset(servers), frozenset(names))


def _same_server(host: str, port: int, known: frozenset[tuple[str, int]]) -> bool:
    for k_host, k_port in known:
        if port == k_port and (host == k_host or (is_loopback(host) and is_loopback(k_host))):
            return True
    return False


def foreign_targets(log: str, known: Ours) -> list[str]:
    """Database/Redis servers (or databases) named in ``log`` that the plugin did not provide,
    described without credentials: ``postgresql://10.0.0.5:5432/shop``, ``sqlite:///./app.db``."""
    found: list[str] = []
    for match in _URL.finditer(log):
        scheme, rest = match.group(1).lower(), match.group(2)
        if scheme.startswith("sqlite"):
            found.append(f"{scheme}://{rest}")
            continue
        try:
            split = urlsplit(f"{scheme}://{rest}")
            port = split.port
        except ValueError:
            continue
        host = split.hostname
        if not host or "*" in host:
            continue  # a masked value (ours) or a template
        family = "redis" if scheme.startswith(("redis", "valkey")) else "postgres"
        port = port or _DEFAULT_PORTS.get(family, 0)
        name = split.path.lstrip("/") or ("0" if family == "redis" else "")
        if _same_server(host, port, known.servers) and (
            not name or name in known.databases or port == CLOSED_PORT
        ):
            continue
        found.append(f"{scheme}://{host}:{port}/{name}")
    for pattern in _CONNECT:
        for match in pattern.finditer(log):
            host, port_text = match.group(1), match.group(2)
            port = int(port_text) if port_text else 0
            if port and _same_server(host, port, known.servers):
                continue
            found.append(f"{host}:{port}" if port else host)
    for impl in _IMPL.findall(log):
        if impl.lower() != "postgresql":
            found.append(f"a {impl} database (Alembic's Context impl {impl}Impl)")
    return sorted(set(found))


def startup_schema_site(project: Project, app: AsgiApp, log: str) -> str | None:
    """Where the app's start-up builds its schema (so a start that succeeded must have used a
    database): ``backend/app/main.py:14`` or ``its log (Running upgrade …)``, else None."""
    from pytest_kabul.project.deploy.entries import module_file, reachable
    from pytest_kabul.project.migrations.startup_calls import reach
    from pytest_kabul.project.python.apps import python_apps

    if _SCHEMA_IN_LOG.search(log):
        return "its log shows schema work"
    owner = next((a for a in python_apps(project) if a.name == app.app), None)
    module = app.target.split(":", 1)[0]
    if owner is None:
        return None
    entry = module_file(project, owner, module)
    if entry is None:
        direct = f"{app.app_dir}/" if app.app_dir else ""
        candidate = f"{direct}{module.replace('.', '/')}.py"
        entry = candidate if candidate in project.files else None
    if entry is None:
        return None
    factory = app.target.split(":", 1)[1].split("(", 1)[0] if app.factory else None
    found = reach(
        project, reachable(project, owner, [entry]), factories=(factory,) if factory else ()
    )
    unguarded = [(path, line) for path, line, guarded in found.creates if not guarded]
    sites = sorted([*unguarded, *found.upgrades])
    return f"{sites[0][0]}:{sites[0][1]}" if sites else None


def verify(
    project: Project,
    app: AsgiApp,
    log: str,
    throwaway: Throwaway | None,
    redis_url: str | None,
) -> None:
    """Raise :class:`SafetyError` when the replicas (which started and answered) reached a
    database the plugin did not create (see the module docstring)."""
    foreign = foreign_targets(log, ours(throwaway, redis_url))
    if foreign:
        raise SafetyError(
            f"the log of {app.target} names {', '.join(foreign)}, not a database or Redis"
            " pytest-kabul provided: the app may have read or written another server's data."
            " Stop and check what it reached; name the variable it reads that URL from in"
            " [tool.kabul.live] database_env / redis_env or [tool.kabul.live.env]"
        )
    if throwaway is None:
        return
    site = startup_schema_site(project, app, log)
    if site is None:
        return
    db = throwaway.database
    if not saw_clients(throwaway.service, db.name, throwaway.before):
        raise SafetyError(
            f"{app.target} started and answered (its start-up builds the schema: {site}), but"
            f" the throwaway database {db.name} pytest-kabul created saw no session, no"
            " transaction and has no table: the app used some other database. Stop and check"
            " which database it reached; make its engine read the URL the deploy sets, and"
            " name that variable in [tool.kabul.live] database_env if it has an unusual name"
        )
