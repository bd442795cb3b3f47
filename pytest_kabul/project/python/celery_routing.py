"""Celery routing, read from the runtime code: which queue every task is published to.

Facet :func:`celery_routing` gives one :class:`CeleryRouting` per production Python app that
defines Celery tasks. Configuration is read wherever Celery takes it: ``Celery(...)`` keyword
arguments, ``app.conf.update(...)`` (keywords or a dict), ``app.conf.task_routes = ...``,
``app.conf["task_routes"]``, and config modules (``celeryconfig.py``, a module named by
``config_from_object("pkg.celeryconfig")``, ``CELERY_*`` names with ``namespace="CELERY"``).

A task's queue follows Celery's precedence: the ``queue=`` of its decorator (``@app.task``,
``@shared_task``), else the first ``task_routes`` entry matching its name (a dict or a list of
dicts / ``(pattern, route)`` pairs; glob patterns; a route is ``{"queue": q}`` or ``q``), else
``task_default_queue`` (``"celery"``). Each ``.apply_async(queue=...)``, ``send_task(...,
queue=...)``, ``.set(queue=...)`` and beat ``options={"queue": ...}`` is a queue too. Names are
resolved by :mod:`.static_values`; what cannot be resolved is recorded as unresolved, with the
expression, never guessed.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from dataclasses import dataclass

from pytest_kabul.model import Location
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.settings.syntax import call_name
from pytest_kabul.project.python.static_values import StringResolver

DEFAULT_QUEUE = "celery"
_KEYS = {
    "task_routes": "routes",
    "CELERY_TASK_ROUTES": "routes",
    "CELERY_ROUTES": "routes",
    "task_default_queue": "default",
    "CELERY_TASK_DEFAULT_QUEUE": "default",
    "CELERY_DEFAULT_QUEUE": "default",
    "task_queues": "queues",
    "CELERY_TASK_QUEUES": "queues",
    "CELERY_QUEUES": "queues",
}
_LOWER_KEYS = frozenset(k for k in _KEYS if k.islower())
_TASK_DECORATORS = frozenset({"task", "shared_task"})
_SEND_CALLS = frozenset({"apply_async", "send_task", "set", "signature"})
_CONFIG_FILE = re.compile(r"(^|/)celery_?config\.py$")


@dataclass(frozen=True)
class Queue:
    """A queue name as found: ``name`` None when it cannot be resolved (``expression`` says)."""

    name: str | None
    expression: str
    location: Location


@dataclass(frozen=True)
class Task:
    name: str  # the registered name (``name=`` or module.function)
    aliases: tuple[str, ...]  # the same task under other import roots (app.tasks.x, tasks.x)
    queue: Queue  # where it is published by default
    how: str  # "decorator queue=", "task_routes['app.tasks.*']", "task_default_queue"
    location: Location


@dataclass(frozen=True)
class CeleryRouting:
    app: str  # PythonApp.name
    default_queue: Queue
    declared_queues: tuple[Queue, ...] | None  # ``task_queues``: what a plain worker consumes
    tasks: tuple[Task, ...]
    sends: tuple[tuple[Queue, str], ...]  # explicit queue= of a publish site, with its call
    unresolved_routes: tuple[Location, ...]  # router functions / classes: routes unknown
    config_files: tuple[str, ...]


@dataclass
class _Config:
    routes: list[tuple[ast.expr, str]]
    default: list[tuple[ast.expr, str]]
    queues: list[tuple[ast.expr, str]]

    def add(self, key: str, value: ast.expr, rel: str) -> None:
        kind = _KEYS.get(key)
        if kind is not None:
            getattr(self, kind).append((value, rel))


def _config_modules(project: Project, app: PythonApp) -> tuple[set[str], bool]:
    """Files named by ``config_from_object``/celeryconfig, and whether ``CELERY_`` names count."""
    named: set[str] = {f for f in app.runtime_files if _CONFIG_FILE.search(f)}
    namespace = False
    for rel in app.runtime_files:
        text = project.read_text(rel) or ""
        if "config_from_object" not in text:
            continue
        tree = project.parse_python(rel)
        for node in ast.walk(tree) if tree else ():
            if not (isinstance(node, ast.Call) and call_name(node) == "config_from_object"):
                continue
            if any(k.arg == "namespace" for k in node.keywords):
                namespace = True
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                module = arg.value.split(":", 1)[0].replace(".", "/")
                named.update(f for f in app.runtime_files if f.endswith((f"{module}.py",)))
    return named, namespace


def _read_config(project: Project, app: PythonApp, files: list[str]) -> _Config:
    config = _Config([], [], [])
    modules, namespace = _config_modules(project, app)
    for rel in files:
        tree = project.parse_python(rel)
        if tree is None:
            continue
        if rel in modules or namespace:
            for stmt in tree.body:
                if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    for target in targets:
                        if isinstance(target, ast.Name) and (
                            rel in modules or target.id.startswith("CELERY_")
                        ):
                            config.add(target.id, stmt.value, rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg in _LOWER_KEYS:
                        config.add(kw.arg, kw.value, rel)
                if call_name(node) == "update":
                    for arg in node.args:
                        if isinstance(arg, ast.Dict):
                            for key, value in zip(arg.keys, arg.values, strict=True):
                                if isinstance(key, ast.Constant) and key.value in _LOWER_KEYS:
                                    config.add(str(key.value), value, rel)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Attribute) and target.attr in _LOWER_KEYS:
                    config.add(target.attr, node.value, rel)
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.slice, ast.Constant)
                    and target.slice.value in _LOWER_KEYS
                ):
                    config.add(str(target.slice.value), node.value, rel)
    return config


def _queue(resolver: StringResolver, node: ast.expr, rel: str) -> Queue:
    return Queue(resolver.resolve(node, rel), ast.unparse(node), Location(rel, node.lineno))


@dataclass(frozen=True)
class _Route:
    pattern: str
    queue: Queue | None  # None: a route without a queue (exchange/routing_key only)


def _route_value(resolver: StringResolver, node: ast.expr, rel: str) -> Queue | None:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "queue":
                return _queue(resolver, value, rel)
        return None
    return _queue(resolver, node, rel)


def _routes(
    resolver: StringResolver, node: ast.expr, rel: str, depth: int = 0
) -> tuple[list[_Route], list[Location]]:
    """Routes of a ``task_routes`` value, in order, and the routers that cannot be read."""
    if isinstance(node, ast.Name) and depth < 3:
        value = resolver.module_names(rel).get(node.id)
        if value is not None:
            return _routes(resolver, value, rel, depth + 1)
    if isinstance(node, ast.Dict):
        routes: list[_Route] = []
        unknown: list[Location] = []
        for key, value in zip(node.keys, node.values, strict=True):
            pattern = resolver.resolve(key, rel) if key is not None else None
            if pattern is None:
                unknown.append(Location(rel, node.lineno))
                continue
            routes.append(_Route(pattern, _route_value(resolver, value, rel)))
        return routes, unknown
    if isinstance(node, ast.List | ast.Tuple):
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 2
            and not isinstance(node.elts[0], ast.Dict)
        ):
            pattern = resolver.resolve(node.elts[0], rel)
            if pattern is not None:
                return [_Route(pattern, _route_value(resolver, node.elts[1], rel))], []
        routes, unknown = [], []
        for element in node.elts:
            more, bad = _routes(resolver, element, rel, depth + 1)
            routes += more
            unknown += bad
        return routes, unknown
    return [], [Location(rel, node.lineno)]  # a router function, class or import path


def _declared(resolver: StringResolver, node: ast.expr, rel: str) -> tuple[Queue, ...]:
    elements = node.elts if isinstance(node, ast.List | ast.Tuple | ast.Set) else [node]
    out: list[Queue] = []
    for element in elements:
        if isinstance(element, ast.Call) and call_name(element) == "Queue":
            arg = element.args[0] if element.args else None
            arg = arg or next((k.value for k in element.keywords if k.arg == "name"), None)
            if arg is not None:
                out.append(_queue(resolver, arg, rel))
                continue
        out.append(Queue(None, ast.unparse(element), Location(rel, element.lineno)))
    return tuple(out)


def _module_names(app: PythonApp, rel: str) -> tuple[str, ...]:
    """``backend/app/tasks.py`` -> ("app.tasks", "tasks", ...): every import root it may have."""
    inner = app.rel(rel).removesuffix(".py").removesuffix("/__init__")
    inner = inner.removeprefix("src/")
    parts = inner.split("/")
    names = [".".join(parts[i:]) for i in range(len(parts))]
    if app.root:
        names.append(".".join([*app.root.split("/"), *parts]))
    return tuple(names)


def _decorated_tasks(
    project: Project, resolver: StringResolver, app: PythonApp, rel: str
) -> list[tuple[str, tuple[str, ...], Queue | None, Location]]:
    tree = project.parse_python(rel)
    out: list[tuple[str, tuple[str, ...], Queue | None, Location]] = []
    for node in ast.walk(tree) if tree else ():
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for deco in node.decorator_list:
            if call_name(deco) not in _TASK_DECORATORS:
                continue
            keywords = deco.keywords if isinstance(deco, ast.Call) else []
            named = next((k.value for k in keywords if k.arg == "name"), None)
            queue_kw = next((k.value for k in keywords if k.arg == "queue"), None)
            modules = _module_names(app, rel)
            explicit = resolver.resolve(named, rel) if named is not None else None
            aliases = (explicit,) if explicit else tuple(f"{m}.{node.name}" for m in modules)
            queue = _queue(resolver, queue_kw, rel) if queue_kw is not None else None
            out.append((aliases[0], aliases, queue, Location(rel, node.lineno)))
    return out


def _sends(resolver: StringResolver, project: Project, rel: str) -> list[tuple[Queue, str]]:
    tree = project.parse_python(rel)
    out: list[tuple[Queue, str]] = []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Call) and call_name(node) in _SEND_CALLS:
            for kw in node.keywords:
                if kw.arg == "queue":
                    out.append((_queue(resolver, kw.value, rel), f"{call_name(node)}()"))
        elif isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if "task" in keys and "options" in keys:  # a beat schedule entry
                options = node.values[keys.index("options")]
                if isinstance(options, ast.Dict):
                    for key, value in zip(options.keys, options.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "queue":
                            out.append((_queue(resolver, value, rel), "beat schedule"))
    return out


def _matches(pattern: str, names: tuple[str, ...]) -> bool:
    if "*" in pattern or "?" in pattern or "[" in pattern:
        return any(fnmatch.fnmatchcase(n, pattern) for n in names)
    return pattern in names


def _uses_celery(text: str) -> bool:
    return "celery" in text.lower() or "shared_task" in text


def routing_for(project: Project, app: PythonApp) -> CeleryRouting | None:
    texts = {f: project.read_text(f) or "" for f in app.runtime_files}
    files = [f for f, text in texts.items() if _uses_celery(text)]
    if not any("Celery(" in texts[f] or "shared_task" in texts[f] for f in files):
        return None  # ``@broker.task`` of another task library (taskiq, dramatiq, huey)
    resolver = StringResolver(project, app)
    config = _read_config(project, app, files)
    found = [t for rel in files for t in _decorated_tasks(project, resolver, app, rel)]
    if not found:
        return None
    default = Queue(DEFAULT_QUEUE, "Celery's default", Location(files[0]))
    if config.default:
        node, rel = config.default[-1]
        default = _queue(resolver, node, rel)
    routes: list[_Route] = []
    unknown: list[Location] = []
    for node, rel in config.routes:
        more, bad = _routes(resolver, node, rel)
        routes += more
        unknown += bad
    declared = None
    if config.queues:
        node, rel = config.queues[-1]
        declared = _declared(resolver, node, rel)
    tasks: list[Task] = []
    for name, aliases, queue, location in sorted(found, key=lambda t: (t[0], t[3])):
        if queue is not None:
            tasks.append(Task(name, aliases, queue, "decorator queue=", location))
            continue
        route = next((r for r in routes if _matches(r.pattern, aliases)), None)
        if route is not None and route.queue is not None:
            how = f"task_routes[{route.pattern!r}]"
            tasks.append(Task(name, aliases, route.queue, how, location))
        elif route is not None:
            what = Queue(None, "a route with no queue", location)
            tasks.append(Task(name, aliases, what, f"task_routes[{route.pattern!r}]", location))
        else:
            tasks.append(Task(name, aliases, default, "task_default_queue", location))
    sends = sorted(
        {s for rel in files for s in _sends(resolver, project, rel)},
        key=lambda s: (s[0].location.path, s[0].location.line or 0, s[1]),
    )
    return CeleryRouting(
        app=app.name,
        default_queue=default,
        declared_queues=declared,
        tasks=tuple(tasks),
        sends=tuple(sends),
        unresolved_routes=tuple(sorted(set(unknown), key=lambda loc: (loc.path, loc.line or 0))),
        config_files=tuple(sorted({rel for _n, rel in config.routes + config.default})),
    )


@facet
def celery_routing(project: Project) -> tuple[CeleryRouting, ...]:
    """The Celery routing of every production app that defines tasks, sorted by app."""
    out = []
    for app in python_apps(project):
        if not app.production:
            continue
        found = routing_for(project, app)
        if found is not None:
            out.append(found)
    return tuple(sorted(out, key=lambda r: r.app))
