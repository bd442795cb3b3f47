"""Import extraction (pytest_kabul.project.python.imports) and import-name → distribution
mapping."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pytest_kabul.project.python.distributions import (
    candidates,
    is_stdlib,
    targets_of,
)
from pytest_kabul.project.python.imports import Import, extract_imports, imports_in
from tests.helpers import MakeProject


def _imports(source: str) -> list[tuple[str, int, bool]]:
    text = textwrap.dedent(source)
    return [(i.module, i.line, i.guarded) for i in extract_imports(ast.parse(text), text)]


def test_every_import_form_is_found() -> None:
    source = """
        import a.b, c as d
        from e.f import g
        from . import local
        from .sibling import thing
        import importlib
        def fn():
            import h
            mod = importlib.import_module("i.j")
            other = __import__("k")
            rel = importlib.import_module(".rel", "pkg")
            dyn = importlib.import_module(name)
        class C:
            import l
        with open("x") as fh:
            import m
        for _ in range(1):
            import n
        match fh:
            case 1:
                import o
    """
    assert _imports(source) == [
        ("a.b", 2, False),
        ("c", 2, False),
        ("e.f", 3, False),
        ("importlib", 6, False),
        ("h", 8, False),
        ("i.j", 9, False),
        ("k", 10, False),
        ("l", 14, False),
        ("m", 16, False),
        ("n", 18, False),
        ("o", 21, False),
    ]


def test_type_checking_imports_are_skipped_but_else_branch_counts() -> None:
    source = """
        import typing
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import a
        else:
            import b
        if typing.TYPE_CHECKING:
            from c import d
        if not TYPE_CHECKING:
            import e
    """
    assert _imports(source) == [
        ("typing", 2, False),
        ("typing", 3, False),
        ("b", 7, False),
        ("e", 11, False),
    ]


@pytest.mark.parametrize(
    ("handler", "guarded"),
    [
        ("except ImportError:", True),
        ("except ModuleNotFoundError:", True),
        ("except (ValueError, ImportError):", True),
        ("except Exception:", True),
        ("except BaseException:", True),
        ("except:", True),
        ("except builtins.ImportError:", True),
        ("except ValueError:", False),
    ],
)
def test_guarded_imports(handler: str, guarded: bool) -> None:
    source = f"""
        try:
            import a
        {handler}
            import b
        else:
            import c
    """
    # the import in the handler is the fallback (``import tomli as tomllib``): optional too
    assert _imports(source) == [("a", 3, guarded), ("b", 5, guarded), ("c", 7, False)]


def test_nested_guard_survives_inner_try() -> None:
    source = """
        try:
            def f():
                try:
                    import a
                except ValueError:
                    pass
        except ImportError:
            pass
    """
    assert _imports(source) == [("a", 5, True)]


def test_from_import_records_names_for_namespace_packages() -> None:
    found = extract_imports(ast.parse("from google.cloud import storage, bigquery\n"))
    assert found == (Import("google.cloud", 1, False, ("bigquery", "storage")),)
    assert targets_of("google.cloud", ("bigquery", "storage")) == (
        "google.cloud.bigquery",
        "google.cloud.storage",
    )
    assert targets_of("fastapi", ("FastAPI",)) == ("fastapi",)


@pytest.mark.parametrize(
    ("module", "first"),
    [
        ("PIL.Image", "pillow"),
        ("yaml", "pyyaml"),
        ("jose.jwt", "python-jose"),
        ("jwt", "pyjwt"),
        ("dateutil.parser", "python-dateutil"),
        ("sklearn.linear_model", "scikit-learn"),
        ("google.protobuf.json_format", "protobuf"),
        ("dotenv", "python-dotenv"),
        ("magic", "python-magic"),
        ("cv2", "opencv-python"),
        ("bs4", "beautifulsoup4"),
        ("sentry_sdk.integrations.fastapi", "sentry-sdk"),
        ("psycopg2.extras", "psycopg2"),
        ("attr", "attrs"),
        ("Crypto.Cipher", "pycryptodome"),
        ("OpenSSL.crypto", "pyopenssl"),
        ("multipart", "python-multipart"),
        ("jinja2", "jinja2"),
        ("pkg_resources", "setuptools"),
        ("google.cloud.storage", "google-cloud-storage"),
        ("google.cloud.firestore", "google-cloud-firestore"),
        ("azure.storage.blob", "azure-storage-blob"),
        ("pydantic_settings", "pydantic-settings"),
        ("some_unknown_pkg.sub", "some-unknown-pkg"),
    ],
)
def test_candidates_first_is_the_suggestion(module: str, first: str) -> None:
    assert candidates(module, environment=False)[0] == first


def test_renamed_distributions_are_alternatives() -> None:
    assert "psycopg2-binary" in candidates("psycopg2", environment=False)
    assert "opencv-python-headless" in candidates("cv2", environment=False)
    assert "python-jose-cryptodome" in candidates("jose", environment=False)


def test_stdlib() -> None:
    assert is_stdlib("os.path")
    assert is_stdlib("__future__")
    assert is_stdlib("__main__")  # django.utils.autoreload does `import __main__`
    assert is_stdlib("tomllib")
    assert not is_stdlib("yaml")


def test_stored_imports_read_back_as_extracted() -> None:
    import json

    from pytest_kabul.project.python.imports import _decode, _encode

    source = textwrap.dedent(
        """
        import os, a.b as ab
        from c import (z, y)
        from d import *
        try:
            import e
        except ImportError:
            e = None
        import sys
        if sys.version_info >= (3, 11):
            import tomllib
        else:
            import tomli
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from f import G
        import importlib
        importlib.import_module("g.h")
        """
    )
    found = extract_imports(ast.parse(source), source)
    assert any(i.guarded for i in found)
    assert any(i.gate for i in found)
    assert any(i.dynamic for i in found)
    assert any(i.names for i in found)
    stored = json.loads(json.dumps(_encode(found)))  # as the cache file keeps them
    assert isinstance(stored[0], str)
    assert len(stored) < len(found)
    assert _decode(stored) == found
    assert _decode(_encode(())) == ()
    plain = extract_imports(ast.parse("import os\nfrom a.b import c, d\n"))
    assert _encode(plain) == "os 1;a.b 2 c,d"  # no list at all when every import is plain
    assert _decode(json.loads(json.dumps(_encode(plain)))) == plain
    for damaged in ([["os", 1]], ["os"], ["os x"], [3], None, ["", [1, 2]]):
        assert _decode(damaged) is None, damaged


def _same_objects(a: tuple[Import, ...] | None, b: tuple[Import, ...] | None) -> bool:
    return a is not None and b is not None and all(x is y for x, y in zip(a, b, strict=True))


def test_a_run_keeps_one_object_per_distinct_import(make_project: MakeProject) -> None:
    from pytest_kabul.project.python.imports import _decode, _encode, _Shared

    guarded = "try:\n    import yaml\nexcept ImportError:\n    pass\n"
    lexical = "import os\nfrom typing import Any\n"  # read without a parse
    project = make_project(
        {
            "app/a.py": lexical + guarded,
            "app/b.py": lexical + guarded,
            "app/c.py": lexical,
            "app/d.py": "from x import Any\n",
        }
    )
    a, b, c, d = (imports_in(project, f"app/{n}.py") or () for n in "abcd")
    assert len(a) == 3
    assert _same_objects(a, b)
    assert _same_objects(c, a[:2])  # the lexical scan's imports are the parsed ones
    assert d[0].names is a[1].names  # ("Any",): one tuple for every import of that name
    shared = _Shared()  # as a warm run decodes records: each distinct item once
    e, f = _decode(_encode(a), shared), _decode(_encode(b), shared)
    assert e == a
    assert _same_objects(e, f)
