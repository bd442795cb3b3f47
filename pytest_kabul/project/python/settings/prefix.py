"""``env_prefix`` values that are not literals: an imported constant or a small helper call.

``env_prefix = ENV_PREFIX`` (a constant, also imported from another module of the app) is
resolved through :class:`~pytest_kabul.project.python.modules.ConstEval`. ``model_config =
build_settings_config(("api",))`` is resolved by reading the helper (in the module or imported
from the app): its ``env_prefix=`` keyword is evaluated with the call's literal arguments bound
to the parameters, over a small pure subset of Python — string literals, f-strings, ``+``,
``a if p else b``, ``"_".join(p)``, ``.upper()``/``.lower()`` and local assignments. Anything
else stays unresolved (None), never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.modules import (
    ConstEval,
    ModuleIndex,
    import_bindings,
    join,
    parse,
    top_level,
)

Value = str | tuple[object, ...] | None
_UNKNOWN = object()


def constant_prefix(consts: ConstEval, node: ast.expr, path: str) -> str | None:
    parts = consts.parts(node, path, frozenset())
    return join(parts) if parts is not None else None


def _function(
    project: Project, index: ModuleIndex, path: str, name: str, depth: int = 0
) -> tuple[str, ast.FunctionDef] | None:
    tree = parse(project, path)
    if tree is None or depth > 5:
        return None
    imports: dict[str, tuple[str, str | None]] = {}
    for stmt in top_level(tree.body):
        if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
            return path, stmt
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            imports.update(import_bindings(stmt, index, path))
    bound = imports.get(name)
    if bound is None or bound[1] is None:
        return None
    other = index.path_of(bound[0])
    return _function(project, index, other, bound[1], depth + 1) if other else None


def _eval(node: ast.expr, env: Mapping[str, object]) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id, _UNKNOWN)
    if isinstance(node, ast.Tuple | ast.List):
        items = tuple(_eval(e, env) for e in node.elts)
        return _UNKNOWN if _UNKNOWN in items else items
    if isinstance(node, ast.JoinedStr):
        out = []
        for value in node.values:
            got = _eval(value.value if isinstance(value, ast.FormattedValue) else value, env)
            if not isinstance(got, str):
                return _UNKNOWN
            out.append(got)
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _eval(node.left, env), _eval(node.right, env)
        return left + right if isinstance(left, str) and isinstance(right, str) else _UNKNOWN
    if isinstance(node, ast.IfExp):
        test = _eval(node.test, env)
        if test is _UNKNOWN:
            return _UNKNOWN
        return _eval(node.body if test else node.orelse, env)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args:
        return () if node.func.id in ("tuple", "list") and not node.keywords else _UNKNOWN
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.keywords:
        base = _eval(node.func.value, env)
        args = [_eval(a, env) for a in node.args]
        method = node.func.attr
        if isinstance(base, str) and method in ("upper", "lower") and not args:
            return base.upper() if method == "upper" else base.lower()
        if isinstance(base, str) and method == "join" and len(args) == 1:
            seq = args[0]
            if isinstance(seq, tuple) and all(isinstance(s, str) for s in seq):
                return base.join(s for s in seq if isinstance(s, str))
    return _UNKNOWN


def helper_prefix(project: Project, index: ModuleIndex, path: str, call: ast.Call) -> str | None:
    """The ``env_prefix`` a config helper call returns, when it can be computed statically."""
    if not isinstance(call.func, ast.Name):
        return None
    found = _function(project, index, path, call.func.id)
    if found is None:
        return None
    _where, func = found
    a = func.args
    params = [p.arg for p in (*a.posonlyargs, *a.args)]
    env: dict[str, object] = {}
    for name, default in zip(params[len(params) - len(a.defaults) :], a.defaults, strict=True):
        env[name] = _eval(default, {})
    for name, arg in zip(params, call.args, strict=False):
        env[name] = _eval(arg, {})
    for kw in call.keywords:
        if kw.arg:
            env[kw.arg] = _eval(kw.value, {})
    for stmt in func.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            env[stmt.targets[0].id] = _eval(stmt.value, env)
        elif isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Call | ast.Dict):
            value = _prefix_of(stmt.value)
            got = _eval(value, env) if value is not None else _UNKNOWN
            return got if isinstance(got, str) else None
    return None


def _prefix_of(node: ast.Call | ast.Dict) -> ast.expr | None:
    if isinstance(node, ast.Call):
        return next((k.value for k in node.keywords if k.arg == "env_prefix"), None)
    for key, value in zip(node.keys, node.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "env_prefix":
            return value
    return None
