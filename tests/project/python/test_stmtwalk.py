"""``statements`` meets every statement where ``ast.walk`` does, in the same order."""

from __future__ import annotations

import ast
from pathlib import Path

from pytest_kabul.project.python.stmtwalk import statements

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
