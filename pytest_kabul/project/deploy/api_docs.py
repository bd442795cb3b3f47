"""Whether each FastAPI app serves its interactive docs and OpenAPI schema in production.

Facet :func:`api_docs_apps`: one :class:`DocsApp` per ``FastAPI(...)`` call in the runtime code
of a production app (``served`` when a production server command names its module, ``uvicorn
app.main:app`` / ``uvicorn.run("app.main:app")``, or, for a server started with an app object
(``uvicorn.run(app)`` in ``main.py``), when that program's entry module reaches it), with the
production state of ``docs_url``, ``redoc_url`` and ``openapi_url``:

- ``ENABLED``: left at FastAPI's default (``/docs``, ``/redoc``, ``/openapi.json``), a literal
  path, or a settings field whose default is a path (``settings.DOCS_URL``, see ``via``);
- ``DISABLED``: ``None`` or ``""`` (a settings field defaulting to ``None`` included);
- ``GUARDED``: depends on a condition (``None if settings.ENVIRONMENT == "production" else
  "/docs"``, a variable assigned in an ``if``, a settings field a validator rewrites);
- ``UNKNOWN``: computed in a way this reader does not follow (a call, ``**kwargs`` it cannot
  resolve).

``**kwargs`` is followed to a dict literal assigned in the same function or module, or to a
function/property of that name returning a dict literal (``settings.fastapi_kwargs``). FastAPI
adds the docs routes only while ``openapi_url`` is set, so an app whose schema is off serves
neither.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass

from pytest_kabul.model import Location
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.asgi import server_commands
from pytest_kabul.project.deploy.entries import app_for_path, entry_modules, reachable
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.settings.classes import settings_classes
from pytest_kabul.project.python.settings.syntax import call_name

URL_KEYS = ("docs_url", "redoc_url", "openapi_url")
DEFAULTS = {"docs_url": "/docs", "redoc_url": "/redoc", "openapi_url": "/openapi.json"}


class State(enum.Enum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    GUARDED = "guarded"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Url:
    state: State
    via: str  # "FastAPI's default /docs", "'/api/docs'", "settings.DOCS_URL (default '/docs')"


@dataclass(frozen=True)
class DocsApp:
    app: str  # PythonApp.name
    subject: str  # "backend/app/main.py:app" or "backend/app/factory.py:create_app"
    location: Location
    urls: dict[str, Url]
    conditional: bool  # the FastAPI(...) call itself sits in an if/else branch
    served: bool  # a production server runs it (see the module docstring)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _scope(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.AST:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node
    return node


def _in_branch(node: ast.AST, scope: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents and node is not scope:
        parent = parents[node]
        if isinstance(parent, ast.If | ast.IfExp | ast.Try | ast.Match):
            return True
        node = parent
    return False


@dataclass
class _Reader:
    project: Project
    app: PythonApp
    rel: str
    parents: dict[ast.AST, ast.AST]

    def state(self, node: ast.expr, scope: ast.AST, depth: int = 0) -> Url:
        if depth > 4:
            return Url(State.UNKNOWN, ast.unparse(node))
        if isinstance(node, ast.Constant):
            if node.value is None or node.value == "":
                return Url(State.DISABLED, repr(node.value))
            return Url(State.ENABLED, repr(node.value))
        if isinstance(node, ast.JoinedStr):
            return Url(State.ENABLED, ast.unparse(node))
        if isinstance(node, ast.IfExp):
            branches = {self.state(b, scope, depth + 1).state for b in (node.body, node.orelse)}
            if branches == {State.ENABLED}:
                return Url(State.ENABLED, ast.unparse(node))
            if branches == {State.DISABLED}:
                return Url(State.DISABLED, ast.unparse(node))
            return Url(State.GUARDED, ast.unparse(node))
        if isinstance(node, ast.Name):
            return self._name(node, scope, depth)
        if isinstance(node, ast.Attribute):
            return self._setting(node)
        return Url(State.UNKNOWN, ast.unparse(node))

    def _name(self, node: ast.Name, scope: ast.AST, depth: int) -> Url:
        assigned: list[ast.Assign | ast.AnnAssign] = []
        tree = self.project.parse_python(self.rel)
        for where in (scope, tree):
            for stmt in ast.walk(where) if where is not None else ():
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets)
                ) or (
                    isinstance(stmt, ast.AnnAssign)
                    and isinstance(stmt.target, ast.Name)
                    and stmt.target.id == node.id
                    and stmt.value is not None
                ):
                    assigned.append(stmt)
            if assigned:
                break
        if not assigned:
            return Url(State.UNKNOWN, node.id)
        if len(assigned) > 1 or _in_branch(
            assigned[0], _scope(assigned[0], self.parents), self.parents
        ):
            return Url(State.GUARDED, f"{node.id} (assigned conditionally)")
        value = assigned[0].value
        assert value is not None
        inner = self.state(value, scope, depth + 1)
        return Url(inner.state, f"{node.id} = {inner.via}")

    def _setting(self, node: ast.Attribute) -> Url:
        name = node.attr
        for cls in settings_classes(self.project):
            field = next((f for f in cls.fields if f.name == name), None)
            if field is None:
                continue
            if _validator_writes(self.project, cls.path, cls.name, name):
                return Url(State.GUARDED, f"{ast.unparse(node)} (set by a validator)")
            default = _field_default(self.project, field.path, field.line)
            if default is None:
                return Url(State.DISABLED, f"{ast.unparse(node)} (default None)")
            if isinstance(default, str):
                state = State.DISABLED if default == "" else State.ENABLED
                return Url(state, f"{ast.unparse(node)} (default {default!r})")
            return Url(State.UNKNOWN, ast.unparse(node))
        return Url(State.UNKNOWN, ast.unparse(node))


def _field_default(project: Project, path: str, line: int) -> str | object | None:
    """The literal default of the field declared at ``path:line`` (``...`` when not literal)."""
    tree = project.parse_python(path)
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.AnnAssign) and node.lineno == line:
            value = node.value
            if isinstance(value, ast.Call):  # Field(None, ...) / Field(default="/docs")
                value = (
                    value.args[0]
                    if value.args
                    else next((k.value for k in value.keywords if k.arg == "default"), None)
                )
            if isinstance(value, ast.Constant) and (
                value.value is None or isinstance(value.value, str)
            ):
                return value.value
            return ...
    return ...


def _validator_writes(project: Project, path: str, class_name: str, field: str) -> bool:
    """A method of the settings class that assigns ``field`` (``values["X"] = None``,
    ``self.X = None``, ``data.update(X=None)``): its value depends on other settings."""
    tree = project.parse_python(path)
    for node in ast.walk(tree) if tree else ():
        if not (isinstance(node, ast.ClassDef) and node.name == class_name):
            continue
        for method in node.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(method):
                targets = inner.targets if isinstance(inner, ast.Assign) else []
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr == field:
                        return True
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.slice, ast.Constant)
                        and target.slice.value == field
                    ):
                        return True
    return False


def _splat_dict(
    project: Project, app: PythonApp, node: ast.expr, scope: ast.AST, rel: str
) -> ast.Dict | None:
    """The dict literal a ``**kwargs`` stands for, when it can be found."""
    name = (
        node.id
        if isinstance(node, ast.Name)
        else node.attr
        if isinstance(node, ast.Attribute)
        else None
    )
    if name is None:
        return node if isinstance(node, ast.Dict) else None
    if isinstance(node, ast.Name):
        tree = project.parse_python(rel)
        for where in (scope, tree):
            for stmt in ast.walk(where) if where is not None else ():
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
                    and isinstance(stmt.value, ast.Dict)
                ):
                    return stmt.value
    for other in app.runtime_files:
        if name not in (project.read_text(other) or ""):
            continue
        tree = project.parse_python(other)
        for fn in ast.walk(tree) if tree else ():
            if isinstance(fn, ast.FunctionDef) and fn.name == name:
                for stmt in ast.walk(fn):
                    if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Dict):
                        return stmt.value
    return None


def _docs_app(
    project: Project,
    app: PythonApp,
    rel: str,
    call: ast.Call,
    parents: dict[ast.AST, ast.AST],
    served: bool,
) -> DocsApp:
    scope = _scope(call, parents)
    reader = _Reader(project, app, rel, parents)
    given: dict[str, ast.expr] = {k.arg: k.value for k in call.keywords if k.arg in URL_KEYS}
    splats = [k.value for k in call.keywords if k.arg is None]
    unknown_splat = False
    for splat in splats:
        found = _splat_dict(project, app, splat, scope, rel)
        if found is None:
            unknown_splat = True
            continue
        for item, value in zip(found.keys, found.values, strict=True):
            if isinstance(item, ast.Constant) and item.value in URL_KEYS:
                given.setdefault(str(item.value), value)
    urls: dict[str, Url] = {}
    for url in URL_KEYS:
        if url in given:
            urls[url] = reader.state(given[url], scope)
        elif unknown_splat:
            urls[url] = Url(State.UNKNOWN, f"**{ast.unparse(splats[0])}")
        else:
            urls[url] = Url(State.ENABLED, f"FastAPI's default {DEFAULTS[url]}")
    parent = parents.get(call)
    name = scope.name if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) else None
    if name is None and isinstance(parent, ast.Assign | ast.AnnAssign):
        target = parent.targets[0] if isinstance(parent, ast.Assign) else parent.target
        name = ast.unparse(target)
    return DocsApp(
        app=app.name,
        subject=f"{rel}:{name or call.lineno}",
        location=Location(rel, call.lineno),
        urls=urls,
        conditional=_in_branch(call, scope, parents),
        served=served,
    )


def _unused(tree: ast.Module, call: ast.Call, parents: dict[ast.AST, ast.AST]) -> bool:
    """A module-level ``name = FastAPI()`` the module never uses again (no route, no
    middleware, not returned): an instance made for a helper, not the app a server runs."""
    parent = parents.get(call)
    if not isinstance(parent, ast.Assign) or parents.get(parent) is not tree:
        return False
    names = {t.id for t in parent.targets if isinstance(t, ast.Name)}
    return bool(names) and not any(
        isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
        for n in ast.walk(tree)
    )


def _server_targets(project: Project, app: PythonApp) -> set[str]:
    """Module files named by a server command (``uvicorn.run("app.app:app")`` in main.py)."""
    out: set[str] = set()
    for found in server_commands(project):
        target = found.command.import_target
        if target is None or found.app is None or found.app.name != app.name:
            continue
        tail = target.split(":", 1)[0].replace(".", "/") + ".py"
        out.update(f for f in app.runtime_files if f == app.path(tail) or f.endswith("/" + tail))
    return out


def _object_servers(project: Project) -> dict[str, set[str]]:
    """App name -> files reachable from production programs that start a server with no
    import string (``uvicorn.run(app)``)."""
    out: dict[str, set[str]] = {}
    for path in start_paths(project):
        server = path.server
        if not path.production or server is None or server.import_target is not None:
            continue
        app = app_for_path(project, path)
        if app is not None:
            files = reachable(project, app, entry_modules(project, app, path))
            out.setdefault(app.name, set()).update(files)
    return out


@facet
def api_docs_apps(project: Project) -> tuple[DocsApp, ...]:
    """Every ``FastAPI(...)`` of the production runtime code, sorted by subject."""
    by_object = _object_servers(project)
    out: dict[str, DocsApp] = {}
    for app in python_apps(project):
        if not app.production:
            continue
        targets = _server_targets(project, app)
        served = by_object.get(app.name, set()) | targets
        for rel in app.runtime_files:
            if "FastAPI(" not in (project.read_text(rel) or ""):
                continue
            tree = project.parse_python(rel)
            if tree is None:
                continue
            parents = _parents(tree)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and call_name(node) == "FastAPI"
                    and (rel in targets or not _unused(tree, node, parents))
                ):
                    found = _docs_app(project, app, rel, node, parents, rel in served)
                    out.setdefault(found.subject, found)
    return tuple(out[k] for k in sorted(out))
