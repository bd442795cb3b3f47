"""The lexical import scan (pytest_kabul.project.python.import_scan) answers exactly like the
AST path wherever it answers, and leaves to the parser what only a parse can tell."""

from __future__ import annotations

import ast
import textwrap
import warnings
from pathlib import Path

import pytest

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.import_scan import scan_imports
from pytest_kabul.project.python.imports import extract_imports, imports_in

PROJECTS = Path(__file__).resolve().parents[2] / "projects"

Found = list[tuple[str, int, tuple[str, ...]]]


def _ast(text: str) -> Found:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    found = extract_imports(tree, text)
    assert not any(i.guarded or i.dynamic or i.gate for i in found)
    return [(i.module, i.line, i.names) for i in found]


def _fixture_files() -> list[Path]:
    return sorted(p for p in PROJECTS.rglob("*.py") if p.is_file())


def test_scan_matches_the_ast_path_on_every_fixture_file() -> None:
    answered = 0
    for path in _fixture_files():
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        fast = scan_imports(text)
        if fast is None:
            continue
        answered += 1
        try:
            ast.parse(text)
        except SyntaxError:
            continue  # newer syntax (PEP 695/758): compared through Project below
        assert fast == _ast(text), path
    assert answered > 400  # the scan is the common path, not the exception


def test_project_imports_are_the_same_with_and_without_the_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pytest_kabul.project.python.imports as imports

    for name in ("deps_same_verdict", "deps_poetry", "sweetshop"):
        root = PROJECTS / name
        rels = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*.py"))]
        fast = Project(root)
        with_scan = {rel: imports_in(fast, rel) for rel in rels}
        monkeypatch.setattr(imports, "scan_imports", lambda text: None)
        slow = Project(root)
        assert {rel: imports_in(slow, rel) for rel in rels} == with_scan, name
        assert slow.problems == fast.problems
        monkeypatch.undo()


TRICKY = [
    # strings and comments that hold import statements
    '''
    """Docstring: import fake, from fake import thing."""
    import real  # import not_this
    x = "import nope"
    y = 'from nope import x'
    z = f"{x} import nope {y!r}"
    ''',
    # raw, byte and escaped strings; an escaped quote before a real import
    r"""
    a = r"\"" ; b = b'\''
    c = "a\
    not an import"
    import os.path
    """,
    # parenthesised, backslash-continued, aliased, relative, star, spaced dotted names
    """
    from . import (a,
        b)
    from .sib import c
    from ..up import d
    from pkg import (
        one as uno,  # a comment
        two,
    )
    from pkg.sub import *
    import a . b as ab, c.d
    import p, \\
        q
    """,
    # nested (indented) imports in functions, classes, decorators, with and plain ifs
    """
    import sys
    @decorator(name="import x")
    def f():
        import inner
        class C:
            from deep import thing
    if sys.platform == "win32":
        import winreg
    else:
        import fcntl
    with lock:
        import locked
    """,
    # ``from`` starting a continuation line, not an import
    "def gen():\n    x = (yield\n    from other)\n",
    # CRLF line ends and a trailing statement without a newline
    "import a\r\nfrom b import c\r\nimport d",
    # a ``from`` that is not an import at the start of a continuation line
    """
    def g():
        raise ValueError(
            "x"
        ) from None
    import after
    """,
]


@pytest.mark.parametrize("source", TRICKY)
def test_tricky_sources_read_like_the_parser(source: str) -> None:
    text = textwrap.dedent(source)
    fast = scan_imports(text)
    assert fast is not None
    assert fast == _ast(text)


DEFERRED = [
    "if x: import y\n",  # import after a colon
    "import os; import sys\n",  # ``;``-separated statements
    "a = 1; import b\n",
    "try:\n    import a\nexcept ImportError:\n    a = None\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n",
    "import sys\nif sys.version_info >= (3, 11):\n    import tomllib\n",
    "import importlib\nmod = importlib.import_module('x')\n",
    "m = __import__('x')\n",
    "s = 'unterminated\nimport x\n",
    "def f(:\n    import x\n",  # brackets out of balance
    'print "python 2"\nimport os\n',
    "x = `y`\nimport os\n",
    "import {{ cookiecutter.package }}\n",
    "<<<<<<< HEAD\nimport a\n=======\nimport b\n>>>>>>> branch\n",
    "import a\rimport b\r",  # lone CR line breaks
    "import a\0\n",
    "x = " + "-" * 200 + "1\nimport yaml\n",  # too deep for the parser
    "x = " + "(" * 150 + "1" + ")" * 150 + "\nimport yaml\n",
    "from x \\\n    import y\n",  # a keyword continuing the line before
    '"""Docstring.\n\nimport fake\n"""\nimport real\n',  # an import line inside a string
]


@pytest.mark.parametrize("source", DEFERRED)
def test_structure_or_doubtful_syntax_is_left_to_the_parser(source: str) -> None:
    assert scan_imports(source) is None


def test_unparsable_and_undecodable_files_stay_unread(tmp_path: Path) -> None:
    (tmp_path / "latin1.py").write_bytes(b"# caf\xe9\nimport os\n")
    (tmp_path / "broken.py").write_text("import os\ndef f(:\n    pass\n")
    project = Project(tmp_path)
    assert imports_in(project, "latin1.py") is None
    assert imports_in(project, "broken.py") is None
    assert {p.path for p in project.problems} == {"latin1.py", "broken.py"}
