"""Library rate limiters: slowapi, ``limits`` storages, pyrate-limiter (fastapi-limiter >= 0.2).

Only modules that import the library are considered, so an unrelated class called ``Limiter``
is never mistaken for one. Storage URIs are resolved from literals, ``os.getenv(..., default)``
and Settings fields' literal defaults (``settings.RATE_LIMIT_STORAGE`` whose default is
``"memory://"``); an unresolvable URI is treated as shared (no finding without evidence).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.limiters.custom import SHARED_SCHEMES, key_source
from pytest_kabul.project.python.limiters.model import KeySource, LimiterKind, RateLimiter, Storage
from pytest_kabul.project.python.settings.defaults import literal_default
from pytest_kabul.project.python.settings.syntax import call_name
from pytest_kabul.project.python.stmtwalk import statements

SHARED_BUCKETS = frozenset({"RedisBucket", "PostgresBucket", "MultiprocessBucket", "SQLiteBucket"})


def _imports(tree: ast.Module) -> set[str]:
    roots: set[str] = set()
    for node in statements(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
    return roots


def _uri(project: Project, node: ast.expr | None) -> tuple[str | None, str]:
    """(resolved URI or None, how it was found)."""

    if node is None:
        return None, "no storage_uri"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, f'storage_uri "{_scheme(node.value)}://"'
    if isinstance(node, ast.Attribute):
        value = literal_default(project, node.attr)
        if value is not None:
            return value, f'storage_uri from settings {node.attr} (default "{_scheme(value)}://")'
    if isinstance(node, ast.Call) and call_name(node) in {"getenv", "get"} and len(node.args) > 1:
        default = node.args[1]
        if isinstance(default, ast.Constant) and isinstance(default.value, str):
            return default.value, f'storage_uri default "{_scheme(default.value)}://"'
    return "", "storage_uri not resolvable statically"


def _scheme(uri: str) -> str:
    return uri.split("://", 1)[0].lower() if "://" in uri else uri.lower()


def _assigned_name(tree: ast.Module, call: ast.Call) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.value is call:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                return target.id
            if isinstance(target, ast.Attribute):
                return target.attr
    return f"Limiter@{call.lineno}"


def _key_scopes(tree: ast.Module, call: ast.Call) -> list[ast.AST]:
    """The key function argument and, when it is a local function, its body."""
    key = next((k.value for k in call.keywords if k.arg == "key_func"), None)
    if key is None and call.args:
        key = call.args[0]
    if key is None:
        return []
    scopes: list[ast.AST] = [key]
    if isinstance(key, ast.Name):
        scopes += [
            n
            for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == key.id
        ]
    return scopes


def _calls(tree: ast.Module) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def library_limiters(
    project: Project, app: PythonApp, rel: str, tree: ast.Module
) -> list[RateLimiter]:
    imports = _imports(tree)
    out: list[RateLimiter] = []

    def add(call: ast.Call, kind: LimiterKind, storage: Storage, detail: str, **kw: object) -> None:
        scopes = _key_scopes(tree, call)
        key, key_detail, key_line = key_source(scopes) if scopes else (KeySource.UNKNOWN, "", None)
        fails = kw.get("fails_open")
        out.append(
            RateLimiter(
                app=app.name,
                kind=kind,
                name=_assigned_name(tree, call),
                path=rel,
                line=call.lineno,
                storage=storage,
                storage_detail=detail,
                key=key,
                key_detail=key_detail,
                key_line=key_line,
                fails_open_line=fails if isinstance(fails, int) else None,
            )
        )

    for call in _calls(tree):
        name = call_name(call)
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if name == "Limiter" and "slowapi" in imports:
            uri, how = _uri(project, keywords.get("storage_uri"))
            memory = uri is None or _scheme(uri) == "memory"
            shared = uri == "" or (uri is not None and _scheme(uri) in SHARED_SCHEMES)
            swallow = keywords.get("swallow_errors")
            fails = (
                call.lineno
                if isinstance(swallow, ast.Constant) and swallow.value is True and shared
                else None
            )
            storage = Storage.MEMORY if memory else Storage.SHARED if shared else Storage.UNKNOWN
            add(call, LimiterKind.SLOWAPI, storage, f"slowapi Limiter, {how}", fails_open=fails)
        elif name == "Limiter" and "pyrate_limiter" in imports:
            args = ast.unparse(call)
            shared = any(b in args for b in SHARED_BUCKETS) or any(
                call_name(c) in SHARED_BUCKETS for c in _calls(tree)
            )
            storage = Storage.SHARED if shared else Storage.MEMORY
            detail = "pyrate-limiter " + ("shared bucket" if shared else "in-memory bucket")
            add(call, LimiterKind.PYRATE, storage, detail)
        elif name == "MemoryStorage" and "limits" in imports:
            add(call, LimiterKind.LIMITS, Storage.MEMORY, "limits MemoryStorage")
        elif name == "storage_from_string" and "limits" in imports and call.args:
            uri, how = _uri(project, call.args[0])
            if uri is not None and _scheme(uri) == "memory":
                add(call, LimiterKind.LIMITS, Storage.MEMORY, f"limits storage, {how}")
    return out
