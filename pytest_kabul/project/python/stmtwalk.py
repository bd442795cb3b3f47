"""Statements of a syntax tree in ``ast.walk``'s order, without walking expressions.

A class or function definition is a statement and no expression holds a statement, so a
breadth-first walk that follows only statement lists (``body``, ``orelse``, ``finalbody``,
``handlers``, ``cases``) meets every definition at the same depth and in the same order as
``ast.walk`` does, while skipping most of a module's nodes (its expressions).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

_BLOCK_ITEMS = (ast.stmt, ast.excepthandler, ast.match_case)


def statements(tree: ast.AST) -> Iterator[ast.AST]:
    """``tree`` and every statement (and except/case clause) below it, breadth first."""
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        yield node
        for name in node._fields:  # ast.iter_child_nodes' order, statement lists only
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], _BLOCK_ITEMS):
                todo.extend(value)
