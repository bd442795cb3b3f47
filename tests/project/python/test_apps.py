"""pyapps local-module rules: top-level names from the app root and src/, siblings for scripts."""

from __future__ import annotations

from pathlib import Path

from pytest_kabul.project.python.apps import PythonApp, python_apps
from tests.helpers import build_project


def _app(tmp_path: Path, files: list[str]) -> PythonApp:
    pyproject = '[project]\nname = "x"\n'
    (app,) = python_apps(
        build_project(tmp_path, {"pyproject.toml": pyproject, **dict.fromkeys(files, "")})
    )
    return app


def test_deep_folder_names_are_not_top_level(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        ["app/__init__.py", "app/services/__init__.py", "app/services/stripe.py", "main.py"],
    )
    assert app.local_modules == frozenset({"app", "main"})
    assert app.sibling_modules("app/services/billing.py", script=True) == frozenset()


def test_src_layout_and_namespace_packages(tmp_path: Path) -> None:
    app = _app(tmp_path, ["src/pkg/__init__.py", "src/ns/plugins/a.py"])
    assert app.local_modules == frozenset({"pkg", "ns"})


def test_script_and_test_siblings(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        [
            "scripts/seed.py",
            "scripts/helpers.py",
            "tests/__init__.py",
            "tests/unit/__init__.py",
            "tests/unit/test_a.py",
            "tests/util.py",
            "plain/test_b.py",
            "plain/fixtures.py",
        ],
    )
    assert app.sibling_modules("scripts/seed.py", script=True) == frozenset({"seed", "helpers"})
    # a test inside packages: pytest inserts the first folder above the top package (the root)
    assert app.sibling_modules("tests/unit/test_a.py", script=False) == frozenset(
        {"plain", "scripts", "tests"}
    )
    assert app.sibling_modules("plain/test_b.py", script=False) == frozenset({"test_b", "fixtures"})
