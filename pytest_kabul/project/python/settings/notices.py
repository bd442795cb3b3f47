"""Environment reads that only tell the user something, not configuration the code runs with.

``if os.environ.get("APP_PROFILE") == name: console.print("APP_PROFILE overrides …")`` and
``env_key = os.getenv("API_KEY")`` followed by ``if env_key and key and env_key != key:
exit_with_error("a different API_KEY in the environment overrides --key")`` read the variable only
to test it and tell the user about it: its value never reaches the program as a setting. Such a
*notice test* is recognised when every use of the value sits in an ``if`` test (as a truth value
or in ``==``/``!=``/``is``/``in``), each of those ``if`` statements either compares it with a value
the program holds (a parameter, not a literal: an override check, not a switch) or only informs
(print/echo/log/warn/exit), and at least one of them only informs. ``if os.getenv("DEBUG"):
app.debug = True`` and ``if token != os.getenv("API_KEY"): raise HTTPException(401)`` stay reads.
"""

from __future__ import annotations

import ast
from collections import deque

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.stmtwalk import statements

_INFORM = frozenset(
    {
        "print", "echo", "secho", "pprint", "warn", "warning", "info", "debug", "error",
        "exception", "critical", "log", "exit", "exit_with_error", "exit_with_success", "abort",
        "fail", "notice",
    }
)  # fmt: skip
_EXITS = frozenset({"SystemExit", "Exit", "Abort", "UsageError", "ClickException", "BadParameter"})
_TESTS = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _informs(body: list[ast.stmt]) -> bool:
    for stmt in body:
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call) and _name(value) in _INFORM:
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None and _name(stmt.exc) in _EXITS:
            continue
        if isinstance(stmt, ast.Pass):
            continue  # a bare ``return`` is control flow (``if not getenv("X"): return``)
        return False
    return bool(body)


def _is_env_read(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        text = ast.unparse(node.func)
        return text.endswith("getenv") or text.endswith("environ.get")
    if isinstance(node, ast.Subscript):
        return ast.unparse(node.value).endswith("environ")
    return False


def _scope(tree: ast.Module, line: int) -> ast.AST:
    best: ast.AST = tree
    for node in statements(tree):  # functions are statements: expressions need no walk
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end and node.lineno >= getattr(best, "lineno", 0):
                best = node
    return best


def _spans(node: ast.AST, line: int) -> bool:
    """Whether ``node`` may hold something at ``line``: its lines do (a definition's start at its
    first decorator), or it has no position (``arguments``, ``comprehension`` ...)."""
    start = getattr(node, "lineno", None)
    if start is None:
        return True
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        start = min([start, *(d.lineno for d in node.decorator_list)])
    return bool(start <= line <= (getattr(node, "end_lineno", None) or start))


def _walk(scope: ast.AST, line: int | None) -> tuple[dict[ast.AST, ast.AST], ast.AST | None]:
    """One breadth-first pass (``ast.walk``'s order) over ``scope``: each node's parent, and the
    first environment read at ``line``. With a line, only the nodes that may hold it are
    visited (the read, its ancestors and their neighbours on that line); with None, all."""
    parents: dict[ast.AST, ast.AST] = {}
    read: ast.AST | None = None
    todo: deque[ast.AST] = deque([scope])
    while todo:
        node = todo.popleft()
        at = getattr(node, "lineno", 0)
        if read is None and line is not None and at == line and _is_env_read(node):
            read = node
        for child in ast.iter_child_nodes(node):
            if line is None or _spans(child, line):
                parents[child] = node
                todo.append(child)
    return parents, read


def notice_test(project: Project, path: str, line: int) -> str | None:
    """Why the environment read at ``path:line`` is a notice test (see the module docstring),
    or None when it is a configuration read."""
    tree = project.parse_python(path)
    if tree is None:
        return None
    scope = _scope(tree, line)
    parents, read = _walk(scope, line)
    if read is None:
        return None
    uses: list[ast.AST] = [read]
    holder = parents.get(read)
    if isinstance(holder, ast.Assign) and len(holder.targets) == 1:
        target = holder.targets[0]
        if not isinstance(target, ast.Name):
            return None
        parents, _ = _walk(scope, None)  # the uses may sit anywhere in the scope
        uses = [
            n
            for n in ast.walk(scope)
            if isinstance(n, ast.Name) and n.id == target.id and isinstance(n.ctx, ast.Load)
        ]
        if not uses:
            return None
    compared_in: dict[ast.If, bool] = {}
    for use in uses:
        node, compared = use, False
        parent = parents.get(node)
        while isinstance(parent, ast.BoolOp | ast.UnaryOp | ast.Compare):
            if isinstance(parent, ast.UnaryOp) and not isinstance(parent.op, ast.Not):
                return None
            if isinstance(parent, ast.Compare):
                if not all(isinstance(op, _TESTS) for op in parent.ops):
                    return None
                others = [parent.left, *parent.comparators]
                compared |= any(not isinstance(o, ast.Constant) for o in others if o is not node)
            node, parent = parent, parents.get(parent)
        if not isinstance(parent, ast.If) or parent.test is not node:
            return None
        compared_in[parent] = compared_in.get(parent, False) or compared
    informing = [branch for branch in compared_in if _informs(branch.body)]
    if any(not compared and branch not in informing for branch, compared in compared_in.items()):
        return None
    if not informing:
        return None
    return "it is only tested to tell the user something (a notice, not configuration)"
