"""``statements`` meets every statement where ``ast.walk`` does, in the same order; ``nodes_of``
meets every node of the kinds asked that ``ast.walk`` meets."""

from __future__ import annotations

import ast
from pathlib import Path

from pytest_kabul.project.python.stmtwalk import nodes_of, statements

SAMPLE = """
import os
try:
    import ujson as json
except ImportError:
    import json
else:
    from . import local
finally:
    pass
if os.environ.get("X"):
    from pkg import (a,
                     b)
class A:
    x = [lambda: 1 for _ in range(3)]
    class Inner:
        def m(self):
            async def inner():
                async with ctx() as c:
                    async for i in c:
                        import late
            return inner
match os.name:
    case "nt" | "posix":
        def f(): ...
    case _:
        while True:
            break
with open("f") as fh:
    for line in fh:
        if line:
            continue
        else:
            del line
"""

KINDS = (ast.stmt, ast.excepthandler, ast.match_case)


def _walked(tree: ast.AST) -> list[ast.AST]:
    return [n for n in ast.walk(tree) if isinstance(n, KINDS)]


def test_statements_in_ast_walk_order() -> None:
    tree = ast.parse(SAMPLE)
    found = list(statements(tree))
    assert found[0] is tree
    assert found[1:] == _walked(tree)
    assert sum(isinstance(n, (ast.Import, ast.ImportFrom)) for n in found) == 6


def test_statements_on_this_package() -> None:
    """Every module of the plugin itself: real code, classes, nesting, match statements."""
    package = Path(__file__).resolve().parents[3] / "pytest_kabul"
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text())
        assert list(statements(tree))[1:] == _walked(tree), path


EXTRA = """
def g():
    global counter, total
    return {**base, "k": f"{x!r:>{width}}", None: [*a, *b]}
"""


def test_nodes_of_meets_what_ast_walk_meets() -> None:
    """Lists of names (``global``), ``None`` keys of a ``**`` entry and nested format specs
    included; the tree itself is a node of its own kind."""
    tree = ast.parse(SAMPLE + EXTRA)
    every = list(ast.walk(tree))
    assert sorted(map(id, nodes_of(tree, ast.AST))) == sorted(map(id, every))
    kinds = (ast.Dict, ast.Call, ast.Import, ast.ImportFrom)
    found = nodes_of(tree, kinds)
    assert sorted(map(id, found)) == sorted(id(n) for n in every if isinstance(n, kinds))
    assert nodes_of(tree, ast.Module) == [tree]


def test_nodes_of_on_this_package() -> None:
    package = Path(__file__).resolve().parents[3] / "pytest_kabul"
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text())
        assert sorted(map(id, nodes_of(tree, ast.expr))) == sorted(
            id(n) for n in ast.walk(tree) if isinstance(n, ast.expr)
        ), path
