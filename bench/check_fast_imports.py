"""Dev check: the lexical import scan agrees with the AST path on every .py file of the trees given.

    .venv/bin/python bench/check_fast_imports.py TREE [TREE ...]

Prints the files where the two differ (the scan answered, and differently), how many files the
scan answered and how long each path took. Figures only; the test suite asserts the same on the
fixture projects.
"""

from __future__ import annotations

import ast
import sys
import time
import warnings
from pathlib import Path

from pytest_kabul.project.core import _parse_newer
from pytest_kabul.project.python.import_scan import scan_imports
from pytest_kabul.project.python.imports import extract_imports


def ast_path(text: str) -> list[tuple[str, int, tuple[str, ...]]] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree: ast.Module | None = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = _parse_newer(text, "x.py")
    if tree is None:
        return None
    found = extract_imports(tree, text)
    if any(i.guarded or i.dynamic or i.gate is not None for i in found):
        return [("<structure>", 0, ())]
    return [(i.module, i.line, i.names) for i in found]


def main() -> None:
    answered = total = differ = 0
    t_scan = t_ast = 0.0
    for tree in sys.argv[1:]:
        for path in sorted(Path(tree).rglob("*.py")):
            if "node_modules" in path.parts or not path.is_file():
                continue
            try:
                text = path.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue
            total += 1
            start = time.perf_counter()
            fast = scan_imports(text)
            t_scan += time.perf_counter() - start
            start = time.perf_counter()
            slow = ast_path(text)
            t_ast += time.perf_counter() - start
            if fast is None:
                continue
            answered += 1
            if fast != slow:
                differ += 1
                print(f"DIFFER {path}\n  scan {fast}\n  ast  {slow}")
    print(f"{total} files, scan answered {answered}, differ {differ};"
          f" scan {t_scan:.2f} s, ast {t_ast:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
