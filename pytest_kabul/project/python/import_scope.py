"""Where an import runs: at import time of its module, or only when a function is called.

``def start(): import watchfiles`` loads ``watchfiles`` only when ``start`` runs (a lazy import);
``import watchfiles`` at module level, in a class body or under a module-level ``if`` loads it
when the module is imported. Parsed on demand, for the few sites a check asks about.
"""

from __future__ import annotations

import ast

from pytest_kabul.project.core import Project


def enclosing_function(project: Project, path: str, line: int) -> str | None:
    """The name of the innermost function whose body holds ``line``, or None when the statement
    there runs at import time (or the file cannot be parsed)."""
    tree = project.parse_python(path)
    if tree is None:
        return None
    best: tuple[int, str] | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.body:
            continue
        start, end = node.body[0].lineno, node.end_lineno or node.lineno
        if start <= line <= end and (best is None or start > best[0]):
            best = (start, node.name)
    return best[1] if best else None
