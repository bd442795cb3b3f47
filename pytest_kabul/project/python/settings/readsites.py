"""The records of the environment-read scan: which names read the environment, and what one
file's scan found (read sites, candidate wrapper calls, functions, imports).

Kept apart from :mod:`.envscan` (the AST pass) so the modules that consume a scan import only
these records; :func:`may_read` (whether a file is scanned at all) is also asked by the prefetch
workers (:mod:`pytest_kabul.project.python.prefetch`).
"""

from __future__ import annotations

import ast
import enum
import re
from dataclasses import dataclass, field

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.modules import Binding
from pytest_kabul.project.python.settings.syntax import DefaultKind


class ReadKind(enum.Enum):
    GETENV = "os.getenv"
    ENVIRON_GET = "os.environ.get"
    ENVIRON_ITEM = "os.environ[]"
    CONTAINS = "in os.environ"
    SETDEFAULT = "os.environ.setdefault"
    POP = "os.environ.pop"
    DECOUPLE = "decouple config"
    STARLETTE = "starlette Config"
    ENV_OBJECT = "Env()"
    ENVIRON_SET = "os.environ[] ="
    DELETE = "del os.environ[]"
    PUTENV = "os.putenv"
    UPDATE = "os.environ.update"

    @property
    def is_write(self) -> bool:
        """Writes give the environment a value (for a library or a child process): not reads."""
        return self in WRITES


WRITES = frozenset(
    {
        ReadKind.SETDEFAULT,
        ReadKind.POP,
        ReadKind.ENVIRON_SET,
        ReadKind.DELETE,
        ReadKind.PUTENV,
        ReadKind.UPDATE,
    }
)


# Words whose presence in a file's text means it may read the environment: only those files are
# scanned. ``environ`` not as in "environment" (docstrings), ``config(`` as a name of its own (not
# ``get_config(``), starlette only with its ``config`` module: a reader instance defined in
# another module is followed from the files that call it, round by round.
TRIGGERS = ("environ", "getenv", "decouple", "starlette", "Env(", "config(")
_READER = re.compile(r"environ(?!ment)|getenv|decouple|Env\(|\bconfig\(")


def may_read_env(text: str) -> bool:
    """Whether a file's text may hold an environment read (its syntax is scanned only then)."""
    if not any(word in text for word in TRIGGERS):
        return False
    return _READER.search(text) is not None or ("starlette" in text and "config" in text)


@facet
def _trigger_hits(project: Project) -> dict[str, bool]:
    return {}


def may_read(project: Project, path: str) -> bool:
    """Whether the file's text mentions a reader (:func:`may_read_env`): asked once per file, not
    once per import binding that points at it."""
    hits = _trigger_hits(project)
    found = hits.get(path)
    if found is None:
        stored = project.records.get(path, "env")
        if isinstance(stored, bool):
            found = hits[path] = stored
        else:
            text = project.read_text(path)
            found = hits[path] = text is not None and may_read_env(text)
            if text is not None:
                project.records.put(path, "env", found, text)
    return found


GETENV = frozenset({"os.getenv", "os.getenvb"})
ENVIRON = frozenset({"os.environ", "os.environb"})
ENVIRON_METHODS = {
    "get": ReadKind.ENVIRON_GET,
    "setdefault": ReadKind.SETDEFAULT,
    "pop": ReadKind.POP,
}
PUTENV = frozenset({"os.putenv", "os.unsetenv"})
READER_CLASSES = {
    "decouple.AutoConfig": "decouple",
    "decouple.Config": "decouple",
    "starlette.config.Config": "starlette",
    "environs.Env": "environs",
    "environ.Env": "django",
    "environ.environ.Env": "django",
}
ENV_OBJECT_SKIP = frozenset(
    {
        "read_env",
        "prefixed",
        "dump",
        "seal",
        "add_parser",
        "parser_for",
        "expand_vars",
        "smart_cast",
    }
)
# django-environ helpers that read a fixed variable when called without one.
DJANGO_DEFAULT_VAR = {
    "db": "DATABASE_URL",
    "db_url": "DATABASE_URL",
    "cache": "CACHE_URL",
    "cache_url": "CACHE_URL",
    "email": "EMAIL_URL",
    "email_url": "EMAIL_URL",
    "search_url": "SEARCH_URL",
}


@dataclass(frozen=True)
class Site:
    line: int
    name: ast.expr | None
    default: ast.expr | None
    default_kind: DefaultKind
    kind: ReadKind
    function: str | None
    params: tuple[str, ...]
    classes: tuple[str, ...]
    context: str | None = None  # "except" (a fallback branch) or "__main__" (a script guard)
    # the attribute a missing variable falls back to: ``getenv("X", obj.attr)``,
    # ``getenv("X") or obj.attr``, ``getattr(obj, "attr")`` in either place
    fallback: str | None = None


def fallback_attribute(node: ast.expr | None) -> str | None:
    """``attr`` of ``obj.attr`` / ``obj().attr`` / ``getattr(obj, "attr")``; None otherwise."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        return node.args[1].value
    return None


@dataclass(frozen=True)
class Call:
    line: int
    style: str  # "name" f(...), "self" self.f(...), "attr" mod.f(...) / Class.f(...)
    base: str | None
    attr: str
    args: tuple[ast.expr, ...]
    keywords: tuple[tuple[str, ast.expr], ...]
    function: str | None
    params: tuple[str, ...]
    classes: tuple[str, ...]
    context: str | None = None


@dataclass(frozen=True)
class Func:
    params: tuple[str, ...]
    defaults: dict[str, ast.expr]
    bound: bool  # a method whose first parameter is self/cls


@dataclass
class FileScan:
    sites: list[Site] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    functions: dict[str, Func] = field(default_factory=dict)
    imports: dict[str, Binding] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)  # ``env = Env()`` -> "environs"
