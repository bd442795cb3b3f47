"""The full paths of an app's GET routes: decorator path plus every router prefix above it.

A route ``@router.get("/health")`` in a module whose ``router = APIRouter(prefix="/utils")`` is
included as ``api_router.include_router(utils.router)`` and ``app.include_router(api_router,
prefix=settings.API_V1_STR)`` answers at ``/api/v1/utils/health``. Routers are followed by
name through the modules' imports (``from app.api.routes import utils`` / ``import … as``),
``include_router(prefix=…)``, ``APIRouter(prefix=…)`` and ``app.mount("/v2", sub_app)``.
Prefixes given as a Settings attribute use its literal default. Read by AST only.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.settings.defaults import literal_default
from pytest_kabul.project.python.settings.syntax import call_name
from pytest_kabul.project.python.stmtwalk import statements

Ref = tuple[str, str]  # (module file, variable name)
_ROUTERS = frozenset({"APIRouter", "FastAPI", "Starlette", "Router"})
_GET = frozenset({"get", "api_route"})
# What a file must say to add to the model: a router or app call (``_ROUTERS``), a
# ``@name.get(`` / ``@name.api_route(`` decorator, ``include_router(`` or ``mount(``.
_MAY_ROUTE = re.compile(
    r"APIRouter|FastAPI|Starlette|Router|include_router|\bmount\b"
    r"|@[ \t]*\w+[ \t]*\.[ \t]*(?:get|api_route)\b"
)


@dataclass
class _Model:
    own_prefix: dict[Ref, str] = field(default_factory=dict)
    apps: set[Ref] = field(default_factory=set)
    routes: list[tuple[Ref, str]] = field(default_factory=list)
    parents: dict[Ref, list[tuple[Ref, str]]] = field(default_factory=dict)


def _text(project: Project, node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute):
        return literal_default(project, node.attr)
    if isinstance(node, ast.JoinedStr):
        parts = [
            _text(project, v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values
        ]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    return None


def _module_file(project: Project, base: str, dotted: str) -> str | None:
    path = dotted.replace(".", "/")
    for root in (base, posixpath.join(base, "src") if base else "src"):
        for candidate in (f"{path}.py", f"{path}/__init__.py"):
            rel = posixpath.join(root, candidate) if root else candidate
            if rel in project.files:
                return rel
    return None


class _Imports:
    """Names bound by imports in one module: name -> (module file, attribute or None)."""

    def __init__(self, project: Project, base: str, rel: str, tree: ast.Module) -> None:
        self.names: dict[str, tuple[str, str | None]] = {}
        package = posixpath.dirname(rel)
        for node in statements(tree):  # imports are statements
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    up = package
                    for _ in range(node.level - 1):
                        up = posixpath.dirname(up)
                    rel_base = posixpath.relpath(up, base) if base else up
                    dotted = ".".join(
                        p for p in [*rel_base.split("/"), *module.split(".")] if p and p != "."
                    )
                else:
                    dotted = module
                for alias in node.names:
                    name = alias.asname or alias.name
                    sub = _module_file(project, base, f"{dotted}.{alias.name}")
                    if sub is not None:
                        self.names[name] = (sub, None)
                        continue
                    target = _module_file(project, base, dotted)
                    if target is not None:
                        self.names[name] = (target, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    target = _module_file(project, base, alias.name)
                    if target is not None and alias.asname:
                        self.names[alias.asname] = (target, None)

    def resolve(self, rel: str, expr: ast.expr) -> Ref | None:
        if isinstance(expr, ast.Name):
            bound = self.names.get(expr.id)
            if bound is not None and bound[1] is not None:
                return (bound[0], bound[1])
            return (rel, expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            bound = self.names.get(expr.value.id)
            if bound is not None and bound[1] is None:
                return (bound[0], expr.attr)
        return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _assign(project: Project, model: _Model, rel: str, node: ast.Assign) -> None:
    if not isinstance(node.value, ast.Call) or call_name(node.value) not in _ROUTERS:
        return
    prefix_node = _keyword(node.value, "prefix")
    prefix = (_text(project, prefix_node) or "") if prefix_node is not None else ""
    for target in node.targets:
        if isinstance(target, ast.Name):
            ref = (rel, target.id)
            model.own_prefix[ref] = prefix
            if call_name(node.value) != "APIRouter":
                model.apps.add(ref)


def _routes(
    project: Project, model: _Model, rel: str, node: ast.FunctionDef | ast.AsyncFunctionDef
) -> None:
    for deco in node.decorator_list:
        if not (
            isinstance(deco, ast.Call)
            and isinstance(deco.func, ast.Attribute)
            and deco.func.attr in _GET
            and isinstance(deco.func.value, ast.Name)
        ):
            continue
        path = _text(project, deco.args[0] if deco.args else _keyword(deco, "path"))
        if path is not None:
            model.routes.append(((rel, deco.func.value.id), path))


def _include(project: Project, model: _Model, rel: str, node: ast.Call, imports: _Imports) -> None:
    if not isinstance(node.func, ast.Attribute) or not node.args:
        return
    owner = node.func.value
    child_expr: ast.expr | None
    if node.func.attr == "mount":
        prefix = _text(project, node.args[0]) or ""
        child_expr = node.args[1] if len(node.args) > 1 else _keyword(node, "app")
    elif node.func.attr == "include_router":
        prefix_node = _keyword(node, "prefix")
        prefix = (_text(project, prefix_node) or "") if prefix_node is not None else ""
        child_expr = node.args[0]
    else:
        return
    child = imports.resolve(rel, child_expr) if child_expr is not None else None
    parent = imports.resolve(rel, owner)
    if child is not None and parent is not None:
        model.parents.setdefault(child, []).append((parent, prefix))


def _model(project: Project, app_dir: str) -> _Model:
    model = _Model()
    files = project.files.under(app_dir) if app_dir else tuple(project.files)
    for rel in files:
        if not rel.endswith(".py"):
            continue
        text = project.read_text(rel)
        if text is None or not _MAY_ROUTE.search(text):
            continue  # no router, app, route decorator, include or mount: nothing to add
        tree = project.parse_python(rel)
        if tree is None:
            continue
        imports = _Imports(project, app_dir, rel, tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                _assign(project, model, rel, node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                _routes(project, model, rel, node)
            elif isinstance(node, ast.Call):
                _include(project, model, rel, node, imports)
    return model


def _prefixes(model: _Model, ref: Ref, depth: int = 0) -> Iterator[str]:
    own = model.own_prefix.get(ref, "")
    parents = model.parents.get(ref, [])
    if depth > 12:
        return
    if not parents:
        if ref in model.apps or ref not in model.own_prefix:
            yield own
        return
    for parent, prefix in parents:
        for above in _prefixes(model, parent, depth + 1):
            yield _join(above, prefix, own)


def _join(*parts: str) -> str:
    out = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return "/" + out if out else ""


def full_get_paths(project: Project, app_dir: str) -> tuple[str, ...]:
    """Every GET route of the app's files as the app serves it (prefixes included)."""
    model = _model(project, app_dir)
    found: set[str] = set()
    for ref, path in model.routes:
        for prefix in _prefixes(model, ref):
            joined = _join(prefix, path) or "/"
            found.add(joined + ("/" if path.endswith("/") and len(path) > 1 else ""))
    return tuple(sorted(found))
