"""The environment a live replica gets: generated, harmless, and never the developer's own.

``replica_env(project, app, database_url=..., redis_url=...)`` fills:

- every required Settings field (no default) with a harmless generated value chosen by its
  annotation (``int`` → ``1``, ``bool`` → ``false``, URLs → a closed loopback port, strings → a
  random token); database-looking names get ``database_url``, Redis-looking names ``redis_url``;
- the database and Redis variables the app reads (``DATABASE_URL``, ``REDIS_URL``, or
  ``[tool.kabul.live] database_env`` / ``redis_env``), also when they have defaults, so the
  app never talks to a server the plugin did not provide;
- ``[tool.kabul.live.env]`` last (the user always wins).

``database_scheme(project, app)`` is the SQLAlchemy driver scheme the project uses
(``postgresql+asyncpg``), read from its compose/.env.example values or its dependencies.
"""

from __future__ import annotations

import re
import secrets
import shutil
import sys
from collections.abc import Callable

from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import AsgiApp

DB_NAME_RE = re.compile(r"(DATABASE|DB|POSTGRES|SQLALCHEMY|PG)_?(URL|URI|DSN)$", re.IGNORECASE)
REDIS_NAME_RE = re.compile(r"(REDIS|CACHE|BROKER|RATE_?LIMIT\w*)_?(URL|URI|DSN)$", re.IGNORECASE)
SCHEME_RE = re.compile(r"\b(postgres(?:ql)?(?:\+\w+)?)://")
CLOSED_PORT_URL = "http://127.0.0.1:9/"


def interpreter(project: Project) -> str:
    """``[tool.kabul.live] python`` (a path, relative to the project root, or a command name),
    else the interpreter running pytest."""
    configured = project.config.live.python
    if not configured:
        return sys.executable
    candidate = project.root / configured
    if candidate.exists():
        return str(candidate)
    return shutil.which(configured) or configured


PRODUCTION_FLAG_RE = re.compile(r"^(IS_?)?PROD(UCTION)?(_?MODE)?$", re.I)
DEBUG_FLAG_RE = re.compile(r"^(IS_?)?(DEBUG|DEV(ELOPMENT)?|TESTING)(_?MODE)?$", re.I)


def production_flag(name: str) -> str | None:
    """What a production deploy sets a boolean to: ``PRODUCTION``/``IS_PROD`` true,
    ``DEBUG``/``TESTING`` false; None for other names."""
    if PRODUCTION_FLAG_RE.match(name):
        return "true"
    if DEBUG_FLAG_RE.match(name):
        return "false"
    return None


def _generated(annotation: str, name: str = "") -> str:
    text = annotation.replace(" ", "")
    if re.search(r"\bint\b|float|Decimal", text):
        return "1"
    if re.search(r"\bbool\b", text):
        return production_flag(name) or "false"
    if "EmailStr" in text:
        return "kabul@example.com"
    if re.search(r"Url|URL|Dsn|DSN", text):
        return CLOSED_PORT_URL
    if re.search(r"^(list|List|set|Set|tuple|Tuple)\b", text):
        return "[]"
    if re.search(r"^(dict|Dict)\b", text):
        return "{}"
    return f"kabul-{secrets.token_hex(16)}"


def database_scheme(project: Project, app: AsgiApp) -> str:
    prefix = f"{app.app_dir}/" if app.app_dir else ""
    seen: list[str] = []
    for rel in project.files:
        name = rel.rsplit("/", 1)[-1]
        if name.startswith((".env.example", ".env.sample", "docker-compose", "compose")) or (
            rel.startswith(prefix) and name in {"config.py", "settings.py", "database.py"}
        ):
            text = project.read_text(rel) or ""
            seen += SCHEME_RE.findall(text)
    if seen:
        return sorted(seen, key=lambda s: (-seen.count(s), s))[0].replace(
            "postgres://", "postgresql"
        )
    deps = " ".join(
        project.read_text(m) or ""
        for m in project.files
        if m.startswith(prefix) and (m.endswith(("requirements.txt", "pyproject.toml")))
    )
    if "asyncpg" in deps:
        return "postgresql+asyncpg"
    if re.search(r"psycopg(?!2)", deps):
        return "postgresql+psycopg"
    return "postgresql"


def env_names(project: Project, app: AsgiApp) -> tuple[set[str], set[str], dict[str, str]]:
    """(database vars, redis vars, required Settings field → generated value).

    The database and Redis variables include every name whose value would otherwise parse as
    such a URL (:func:`pytest_kabul.live.safety.url_bindings`), whatever it is called."""
    from pytest_kabul.live.safety import DATABASE, url_bindings
    from pytest_kabul.project.python.settings.classes import settings_classes
    from pytest_kabul.project.python.settings.envreads import env_reads
    from pytest_kabul.project.python.settings.syntax import DefaultKind

    db: set[str] = set()
    redis: set[str] = set()
    required: dict[str, str] = {}
    live = project.config.live
    if live.database_env:
        db.add(live.database_env)
    if live.redis_env:
        redis.add(live.redis_env)
    names: set[str] = set()
    for cls in settings_classes(project):
        if cls.app != app.app or cls.test_code:
            continue
        for field in cls.fields:
            if not field.env_names:
                continue
            primary = field.env_names[0]
            names.add(primary)
            if field.default is DefaultKind.ABSENT:
                required[primary] = _generated(field.annotation, field.name)
    for read in env_reads(project):
        if read.app == app.app and not read.test_code:
            names.update(read.names)
    db |= {n for n in names if DB_NAME_RE.search(n)}
    redis |= {n for n in names if REDIS_NAME_RE.search(n)}
    for binding in url_bindings(project, app.app_dir):
        (db if binding.kind == DATABASE else redis).add(binding.name)
    redis -= db
    for name in db | redis:
        required.pop(name, None)
    return db, redis, required


def part_names(project: Project, app: AsgiApp) -> dict[str, set[str]]:
    """Database settings given in parts (``POSTGRES_SERVER``, ``_USER`` …): Settings fields and
    ``.env`` entries, by part (host, port, user, password, name)."""
    from pytest_kabul.live.safety import PART_NAMES, env_file_parts
    from pytest_kabul.project.python.settings.classes import settings_classes

    parts = env_file_parts(project, app.app_dir)
    for cls in settings_classes(project):
        if cls.app != app.app or cls.test_code:
            continue
        for field in cls.fields:
            part = next((k for k, rx in PART_NAMES.items() if rx.match(field.name)), None)
            if part is not None and field.env_names:
                parts[part].add(field.env_names[0])
    return parts


def _url_parts(url: str) -> dict[str, str]:
    from urllib.parse import unquote, urlsplit

    split = urlsplit(url)
    return {
        "host": split.hostname or "127.0.0.1",
        "port": str(split.port or 5432),
        "user": unquote(split.username or ""),
        "password": unquote(split.password or ""),
        "name": split.path.lstrip("/"),
    }


def replica_env(
    project: Project,
    app: AsgiApp,
    *,
    database_url: Callable[[], str | None],
    redis_url: str | None,
) -> dict[str, str]:
    """``database_url`` is called only when the app reads a database variable."""
    db, redis, required = env_names(project, app)
    parts = part_names(project, app)
    env = dict(required)
    url = database_url() if db or any(parts.values()) else None
    fallback = f"{database_scheme(project, app)}://kabul@127.0.0.1:9/kabul"
    for name in db:
        env[name] = url or fallback
    values = _url_parts(url or fallback)
    for part, names in parts.items():
        for name in names:
            env[name] = values[part]
    for name in redis:
        env[name] = redis_url or "redis://127.0.0.1:9/0"
    env.update(project.config.live.env)
    return dict(sorted(env.items()))
