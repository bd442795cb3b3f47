"""SQLAlchemy engines the apps create at run time, with their connection-pool sizes.

``sqla_engines(project)`` lists every ``create_engine(...)`` / ``create_async_engine(...)`` call
(``sqlalchemy``, ``sqlalchemy.ext.asyncio``, ``sqlmodel``) in the runtime files of production
apps, outside migration folders (Alembic ``env.py`` and revisions open one short-lived
connection). ``pool_size``/``max_overflow`` are read when they are integer literals or module
constants; SQLAlchemy's defaults (5 and 10) apply when they are absent. A ``poolclass`` other than
``QueuePool``/``AsyncAdaptedQueuePool``, a ``**kwargs`` splat, a value computed at run time or a
SQLite URL makes the engine *unknown* (``unknown`` says why).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pytest_kabul.model import Location
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.settings.syntax import call_name

DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 10
_NOT_RUNTIME = frozenset({"migrations", "alembic", "versions", "scripts", "script", "tools"})
_QUEUE_POOLS = frozenset({"QueuePool", "AsyncAdaptedQueuePool"})


@dataclass(frozen=True, order=True)
class Engine:
    location: Location
    app: str  # app root
    pool_size: int
    max_overflow: int
    unknown: str | None = None  # why the pool cannot be sized

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow


def _constants(tree: ast.Module) -> dict[str, int]:
    out: dict[str, int] = {}
    for stmt in tree.body:
        target: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        elif isinstance(stmt, ast.AnnAssign):
            target = stmt.target
        value = getattr(stmt, "value", None)
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, int)
        ):
            out[target.id] = value.value
    return out


def _int(node: ast.expr, constants: dict[str, int]) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _engine(call: ast.Call, rel: str, app: str, constants: dict[str, int]) -> Engine:
    where = Location(rel, call.lineno)
    sizes = {"pool_size": DEFAULT_POOL_SIZE, "max_overflow": DEFAULT_MAX_OVERFLOW}
    unknown: str | None = None
    first = call.args[0] if call.args else None
    url = next((k.value for k in call.keywords if k.arg == "url"), first)
    if isinstance(url, ast.Constant) and str(url.value).startswith("sqlite"):
        unknown = "a SQLite engine"
    for keyword in call.keywords:
        if keyword.arg is None:
            unknown = unknown or "pool options passed through **kwargs"
        elif keyword.arg in sizes:
            value = _int(keyword.value, constants)
            if value is None:
                unknown = unknown or f"{keyword.arg} is computed at run time"
            else:
                sizes[keyword.arg] = value
        elif keyword.arg == "poolclass":
            name = ast.unparse(keyword.value).rsplit(".", 1)[-1]
            if name not in _QUEUE_POOLS:
                unknown = unknown or f"poolclass={name}"
    return Engine(where, app, sizes["pool_size"], max(sizes["max_overflow"], 0), unknown)


@facet
def sqla_engines(project: Project) -> tuple[Engine, ...]:
    out: list[Engine] = []
    for app in python_apps(project):
        if not app.production:
            continue
        for rel in app.runtime_files:
            parts = rel.split("/")
            if _NOT_RUNTIME.intersection(parts[:-1]) or parts[-1] == "env.py":
                continue
            text = project.read_text(rel) or ""
            if "create_engine" not in text and "create_async_engine" not in text:
                continue
            tree = project.parse_python(rel)
            if tree is None:
                continue
            constants = _constants(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and call_name(node) in (
                    "create_engine",
                    "create_async_engine",
                ):
                    out.append(_engine(node, rel, app.root, constants))
    return tuple(sorted(out))
