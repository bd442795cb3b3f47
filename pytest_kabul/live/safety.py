"""Only throwaway databases, ever: every database or Redis URL the app or Alembic could see.

A live check must never reach a developer's (or anybody's) database. Variable names are not
enough (``DB_CONN``, ``MAIN_STORE``): :func:`url_bindings` computes, before anything starts,
every value the code would see that parses as a database or Redis URL, whatever the name:

- Settings fields whose default holds such a URL (the field's environment names);
- ``os.getenv("NAME", "<url>")`` / ``os.environ.get`` / ``config("NAME", default=…)`` reads
  whose default is one;
- ``.env`` files (not ``.env.example`` templates) in the app folder, below it and above it up to
  the project root whose value is one.

The caller sets each of these names to the throwaway URL in the subprocess environment;
environment variables win over ``.env`` and defaults in pydantic-settings, python-dotenv
(``override=False``, enforced in Alembic's helper) and ``os.getenv``. Database settings given
in parts (``POSTGRES_SERVER`` …) found in ``.env`` files are reported by :func:`env_file_parts`.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass

from pytest_kabul.project.core import Project

DATABASE = "database"
REDIS = "redis"
_DB_URL = re.compile(
    r"^\s*(postgres(?:ql)?|mysql|mariadb|cockroachdb|mssql|oracle|mongodb(?:\+srv)?)"
    r"(\+\w+)?://",
    re.I,
)
_REDIS_URL = re.compile(r"^\s*(rediss?|valkey|redis\+sentinel)://", re.I)
_TEMPLATE = re.compile(r"\.(example|sample|template|dist|tpl|defaults?)$|\.example\.", re.I)
_READ_FUNCS = ("getenv", "environ.get", "config", "env", "env.str", "get_env")
PART_NAMES = {
    "host": re.compile(r"^(POSTGRES|PG|DB|DATABASE)_?(SERVER|HOST|HOSTNAME)$", re.I),
    "port": re.compile(r"^(POSTGRES|PG|DB|DATABASE)_?PORT$", re.I),
    "user": re.compile(r"^(POSTGRES|PG|DB|DATABASE)_?(USER|USERNAME)$", re.I),
    "password": re.compile(r"^(POSTGRES|PG|DB|DATABASE)_?(PASSWORD|PASS)$", re.I),
    "name": re.compile(r"^(POSTGRES|PG|DB|DATABASE)_?(DB|NAME|DATABASE)$", re.I),
}


def url_kind(value: str) -> str | None:
    """``"database"`` / ``"redis"`` when ``value`` parses as such a URL, else None."""
    if _DB_URL.match(value):
        return DATABASE
    if _REDIS_URL.match(value):
        return REDIS
    return None


@dataclass(frozen=True, order=True)
class UrlBinding:
    """An environment variable whose value the app would otherwise take from ``source``."""

    name: str
    kind: str  # DATABASE or REDIS
    source: str  # "backend/app/config.py:12" (never the value: it may hold a password)


def _strings(node: ast.AST | None) -> list[str]:
    if node is None:
        return []
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _kind_of(node: ast.AST | None) -> str | None:
    return next((k for s in _strings(node) if (k := url_kind(s)) is not None), None)


def _in(folder: str, rel: str) -> bool:
    return not folder or rel.startswith(folder + "/")


def _settings_bindings(project: Project, app_dir: str) -> list[UrlBinding]:
    from pytest_kabul.project.python.settings.classes import settings_classes

    out: list[UrlBinding] = []
    for cls in settings_classes(project):
        if cls.test_code:
            continue
        for field in cls.fields:
            if field.nested or not _in(app_dir, field.path):
                continue
            tree = project.parse_python(field.path)
            for node in ast.walk(tree) if tree is not None else ():
                if isinstance(node, ast.AnnAssign | ast.Assign) and node.lineno == field.line:
                    kind = _kind_of(node.value)
                    if kind is not None:
                        where = f"{field.path}:{field.line}"
                        out.extend(UrlBinding(name, kind, where) for name in field.env_names)
    return out


def _read_bindings(project: Project, app_dir: str) -> list[UrlBinding]:
    out: list[UrlBinding] = []
    for rel in project.files.under(app_dir) if app_dir else project.files:
        if not rel.endswith(".py"):
            continue
        tree = project.parse_python(rel)
        for node in ast.walk(tree) if tree is not None else ():
            if not (isinstance(node, ast.Call) and node.args):
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            if not ast.unparse(node.func).endswith(_READ_FUNCS):
                continue
            defaults = [*node.args[1:], *(k.value for k in node.keywords)]
            kind = next((k for d in defaults if (k := _kind_of(d)) is not None), None)
            if kind is not None:
                out.append(UrlBinding(first.value, kind, f"{rel}:{node.lineno}"))
    return out


def env_files(project: Project, app_dir: str) -> list[str]:
    """``.env`` files the app could load: in and below its folder, and in each folder above."""
    above = {""}
    parts = app_dir.split("/") if app_dir else []
    for i in range(1, len(parts) + 1):
        above.add("/".join(parts[:i]))
    out = []
    for rel in project.files:
        name = posixpath.basename(rel)
        if not (name == ".env" or name.startswith(".env.")) or _TEMPLATE.search(name):
            continue
        folder = posixpath.dirname(rel)
        if folder in above or _in(app_dir, rel):
            out.append(rel)
    return sorted(out)


def _env_entries(project: Project, rel: str) -> list[tuple[str, str, int]]:
    out = []
    for number, raw in enumerate((project.read_text(rel) or "").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        out.append((key.strip(), value.strip().strip("'\""), number))
    return out


def url_bindings(project: Project, app_dir: str) -> tuple[UrlBinding, ...]:
    """Every variable that must carry the throwaway URL (see the module docstring)."""
    found = [*_settings_bindings(project, app_dir), *_read_bindings(project, app_dir)]
    for rel in env_files(project, app_dir):
        for key, value, number in _env_entries(project, rel):
            kind = url_kind(value)
            if kind is not None and key:
                found.append(UrlBinding(key, kind, f"{rel}:{number}"))
    return tuple(sorted(set(found)))


def env_file_parts(project: Project, app_dir: str) -> dict[str, set[str]]:
    """``{"host": {"POSTGRES_SERVER"}, …}``: database parts set in the app's ``.env`` files."""
    parts: dict[str, set[str]] = {key: set() for key in PART_NAMES}
    for rel in env_files(project, app_dir):
        for key, _value, _line in _env_entries(project, rel):
            part = next((k for k, rx in PART_NAMES.items() if rx.match(key)), None)
            if part is not None:
                parts[part].add(key)
    return parts
