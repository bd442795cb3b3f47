"""The ASGI apps to start for live checks: target, working directory, health route.

``asgi_apps(project)`` gives one :class:`AsgiApp` per (Python app, target), from, in order:

1. ``[tool.kabul.live] app`` / ``app_dir`` (the whole answer when set);
2. the server commands of the start paths (the ``start_paths`` facet: Dockerfile
   ENTRYPOINT + CMD with the scripts they call, compose ``command``, Procfile, PaaS files),
   parsed once by :mod:`pytest_kabul.project.shell` (``uvicorn app.main:app``, ``gunicorn -k
   uvicorn.workers.UvicornWorker app.main:app``, ``fastapi run app/main.py``, ``--factory`` and
   ``module:create_app()`` targets);
3. last resort, a module-level ``name = FastAPI(...)`` assignment found by AST.

The target's module must exist under the app (tried from ``--app-dir``, the app root and
``src/``); the folder it resolves from is the working directory. ``server_commands`` exposes
every parsed server command (worker counts, ``--forwarded-allow-ips``) to the limiter facts.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from pytest_kabul.model import Location
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.settings.defaults import literal_default
from pytest_kabul.project.python.settings.syntax import call_name
from pytest_kabul.project.python.stmtwalk import statements
from pytest_kabul.project.shell import ServerCommand

HEALTH_RE = re.compile(
    r"^/(?:[\w-]+/)*(health|healthz|healthcheck|health[-_]check|ping|livez|readyz|ready)/?$"
)
ROUTE_METHODS = frozenset({"get", "api_route"})
# A decorator line calling ``….get(`` / ``….api_route(``: a file without one declares no route
# for route_paths.
_ROUTE_DECORATOR = re.compile(r"@[^\n]*\.[ \t]*(?:get|api_route)[ \t]*\(")


@dataclass(frozen=True)
class AsgiApp:
    app: str  # PythonApp.name
    target: str  # "app.main:app"
    app_dir: str  # project-relative working directory ("" = root)
    factory: bool
    location: Location | None  # where the target was found

    @property
    def subject(self) -> str:
        return f"{self.app}:{self.target}"


@dataclass(frozen=True)
class FoundCommand:
    command: ServerCommand
    location: Location
    app: PythonApp | None


def _app_for_dir(apps: tuple[PythonApp, ...], directory: str) -> PythonApp | None:
    inside = [a for a in apps if a.root == directory or directory.startswith(a.root + "/")]
    if inside or directory == "":
        pool = inside or list(apps)
        return max(pool, key=lambda a: len(a.root)) if len(pool) == 1 or inside else None
    below = [a for a in apps if a.root.startswith(directory + "/")]
    return below[0] if len(below) == 1 else None


@facet
def server_commands(project: Project) -> tuple[FoundCommand, ...]:
    """Every server command of every start path (the one start-command model), deduplicated."""
    apps = python_apps(project)
    raw: list[tuple[ServerCommand, Location, str]] = []
    for path in start_paths(project):
        for step in path.steps:
            if step.server is not None:
                raw.append((step.server, step.location, path.source_dir))
    found: dict[tuple[str, ...], FoundCommand] = {}
    for parsed, location, directory in raw:
        if parsed.argv not in found:
            found[parsed.argv] = FoundCommand(parsed, location, _app_for_dir(apps, directory))
    return tuple(sorted(found.values(), key=lambda f: (f.location, f.command.argv)))


def resolve_dir(project: Project, app: PythonApp, target: str, app_dir: str | None) -> str | None:
    """The project-relative folder from which ``target``'s module imports, or None."""
    module = target.split(":", 1)[0].replace(".", "/")
    bases = [app_dir.strip("/")] if app_dir and app_dir not in {".", "./"} else []
    for base in [*bases, "", "src"]:
        folder = app.path(base) if base else app.root
        prefix = f"{folder}/" if folder else ""
        if project.exists(f"{prefix}{module}.py") or project.exists(
            f"{prefix}{module}/__init__.py"
        ):
            return folder
    return None


def _module_name(app: PythonApp, rel: str) -> tuple[str, str]:
    inner = app.rel(rel)
    folder = app.root
    if inner.startswith("src/"):
        inner, folder = inner[4:], app.path("src")
    module = inner.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return module, folder


def _fastapi_assignments(project: Project, app: PythonApp) -> list[AsgiApp]:
    out: list[AsgiApp] = []
    for rel in app.runtime_files:
        text = project.read_text(rel)
        if text is None or ("FastAPI" not in text and "Starlette" not in text):
            continue  # the called name is spelled out in the text: no parse can find one here
        tree = project.parse_python(rel)
        if tree is None:
            continue
        for stmt in tree.body:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Call)
                and call_name(stmt.value) in {"FastAPI", "Starlette"}
            ):
                for name in stmt.targets:
                    if isinstance(name, ast.Name):
                        module, folder = _module_name(app, rel)
                        out.append(
                            AsgiApp(
                                app.name,
                                f"{module}:{name.id}",
                                folder,
                                False,
                                Location(rel, stmt.lineno),
                            )
                        )
    # Prefer main.py / app.py, then the shallowest module.
    return sorted(
        out,
        key=lambda a: (
            a.target.split(":")[0].rsplit(".", 1)[-1] not in {"main", "app"},
            a.target.count("."),
            a.target,
        ),
    )


@facet
def asgi_apps(project: Project) -> tuple[AsgiApp, ...]:
    apps = python_apps(project)
    live = project.config.live
    if live.app:
        app_dir = (live.app_dir or "").strip("/")
        owner = _app_for_dir(apps, app_dir)
        name = owner.name if owner else (app_dir or project.root.name)
        factory = live.app.endswith("()")
        return (AsgiApp(name, live.app.removesuffix("()"), app_dir, factory, None),)
    found: dict[tuple[str, str], AsgiApp] = {}
    for item in server_commands(project):
        command, app = item.command, item.app
        target = command.import_target
        if target is None or app is None:
            continue
        folder = resolve_dir(project, app, target, command.app_dir)
        if folder is not None:
            key = (app.name, target)
            found.setdefault(key, AsgiApp(app.name, target, folder, command.factory, item.location))
    for app in apps:
        if not any(key[0] == app.name for key in found):
            candidates = _fastapi_assignments(project, app)
            if candidates:
                found[(app.name, candidates[0].target)] = candidates[0]
    return tuple(sorted(found.values(), key=lambda a: a.subject))


_PREFIX_CALLS = re.compile(r"include_router|APIRouter|Mount")


def app_functions(
    project: Project, app: AsgiApp, mentions: re.Pattern[str] | None = None
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function defined in the Python files under the app's folder (with ``mentions``:
    only in the files whose text it matches)."""
    prefix = f"{app.app_dir}/" if app.app_dir else ""
    for rel in project.files:
        if not rel.endswith(".py") or not rel.startswith(prefix):
            continue
        if mentions is not None and not mentions.search(project.read_text(rel) or ""):
            continue
        tree = project.parse_python(rel)
        for node in statements(tree) if tree else ():  # ast.walk's order, expressions skipped
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield node


def route_paths(project: Project, app: AsgiApp) -> tuple[str, ...]:
    """Literal paths of GET routes declared in the app's files (decorator first argument)."""
    paths: set[str] = set()
    for node in app_functions(project, app, _ROUTE_DECORATOR):
        for deco in node.decorator_list:
            if (
                isinstance(deco, ast.Call)
                and isinstance(deco.func, ast.Attribute)
                and deco.func.attr in ROUTE_METHODS
                and deco.args
                and isinstance(deco.args[0], ast.Constant)
                and isinstance(deco.args[0].value, str)
            ):
                paths.add(deco.args[0].value)
    return tuple(sorted(paths))


def health_path(project: Project, app: AsgiApp) -> str | None:
    """The health route as the app serves it (router prefixes and mounts included)."""
    if project.config.live.health_path:
        return project.config.live.health_path
    from pytest_kabul.project.deploy.routes import full_get_paths

    found = [p for p in full_get_paths(project, app.app_dir) if HEALTH_RE.match(p)]
    if not found:  # routes whose router could not be followed: the bare decorator path
        found = [p for p in route_paths(project, app) if HEALTH_RE.match(p)]
    return min(found, key=lambda p: (p.count("/"), len(p), p)) if found else None


def probe_path(project: Project, app: AsgiApp) -> str | None:
    """A GET route that exists: the health route, else the shortest one without path
    parameters (documentation routes last)."""
    health = health_path(project, app)
    if health is not None:
        return health
    from pytest_kabul.project.deploy.routes import full_get_paths

    plain = [p for p in full_get_paths(project, app.app_dir) if "{" not in p]
    plain.sort(key=lambda p: (bool(re.search(r"docs|openapi|redoc", p)), p.count("/"), len(p), p))
    return plain[0] if plain else None


def api_prefix(project: Project, app: AsgiApp) -> str:
    """The most common ``include_router(prefix=...)`` / ``APIRouter(prefix=...)`` literal."""

    counts: Counter[str] = Counter()
    prefix = f"{app.app_dir}/" if app.app_dir else ""
    for rel in project.files:
        if not rel.endswith(".py") or not rel.startswith(prefix):
            continue
        source = project.read_text(rel)
        if source is None or not _PREFIX_CALLS.search(source):
            continue  # names none of the calls below
        tree = project.parse_python(rel)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Call) and call_name(node) in {
                "include_router",
                "APIRouter",
                "Mount",
            }:
                for kw in node.keywords:
                    if kw.arg != "prefix":
                        continue
                    value = kw.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        text: str | None = value.value
                    elif isinstance(value, ast.Attribute):
                        text = literal_default(project, value.attr)
                    else:
                        text = None
                    if text and text.startswith("/") and len(text) > 1:
                        counts[text.rstrip("/")] += 1
    if not counts:
        return ""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
