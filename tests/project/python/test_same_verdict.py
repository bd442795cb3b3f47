"""Issue 12: KAB101/KAB102 give one verdict per commit, whatever the environment running pytest.

Each fixture is evaluated twice: in this suite's venv (which has fastapi, pydantic, httpx,
sentry-sdk... installed) and with ``importlib.metadata`` taken away (as in a venv holding only
the plugin). The findings must be identical.
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.checks.dependencies import image_manifest_drift, python_import_undeclared
from pytest_kabul.model import Finding
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.locks import fold_inline_tables
from pytest_kabul.project.python.parser import downgrade
from tests.helpers import PROJECTS

SCENARIOS = (
    "deps_same_verdict",
    "deps_poetry",
    "deps_requirements",
    "deps_uv_src",
    "deps_inrepo_library",
    "deps_docker_args",
    "deps_compiled_requirements",
    "sweetshop",
)


def _findings(root: Path) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    project = Project(root)
    return (
        python_import_undeclared.check.evaluate(project).findings,
        image_manifest_drift.check.evaluate(project).findings,
    )


def _no_metadata(*_args: Any, **_kwargs: Any) -> Any:
    raise md.PackageNotFoundError("importlib.metadata is not available in this test")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_same_findings_with_and_without_installed_metadata(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_venv = _findings(PROJECTS / scenario)
    for name in ("packages_distributions", "distributions", "requires", "version", "metadata"):
        monkeypatch.setattr(md, name, _no_metadata)
    without = _findings(PROJECTS / scenario)
    assert with_venv == without


def test_plugin_only_verdict_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """The fixture's own dependencies are not installed here either: same findings."""
    import subprocess
    import sys

    code = (
        "import importlib.metadata as md, json, sys\n"
        "def gone(*a, **k):\n    raise md.PackageNotFoundError('x')\n"
        "md.packages_distributions = gone\nmd.requires = gone\n"
        "from pathlib import Path\nfrom pytest_kabul.project.core import Project\n"
        "from pytest_kabul.checks.dependencies import python_import_undeclared as c\n"
        "ev = c.check.evaluate(Project(Path(sys.argv[1])))\n"
        "print(json.dumps([[f.subject, f.severity.name, f.message] for f in ev.findings]))\n"
    )
    root = PROJECTS / "deps_same_verdict"
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True
    ).stdout
    here = [
        [f.subject, f.severity.name, f.message]
        for f in python_import_undeclared.check.evaluate(Project(root)).findings
    ]
    import json

    assert json.loads(out) == here


def test_toml_11_inline_tables_are_folded() -> None:
    text = 'a = [\n  {\n    name = "x", # c\n    extra = ["y"],\n  },\n]\ns = "{not\\"a table"\n'
    import tomllib

    assert tomllib.loads(fold_inline_tables(text)) == {
        "a": [{"name": "x", "extra": ["y"]}],
        "s": '{not"a table',
    }


def test_newer_syntax_is_downgraded_keeping_lines() -> None:
    source = (
        "class C[T]:\n    pass\n"
        "type A[T] = list[T]\n"
        'x = f"{\'a\' + "b"}"\n'
        "try:\n    import sentry_sdk\nexcept ImportError, ModuleNotFoundError:\n    pass\n"
    )
    rewritten = downgrade(source)
    assert rewritten is not None
    assert rewritten.count("\n") == source.count("\n")
    assert rewritten.splitlines()[5] == "    import sentry_sdk"


def test_unreadable_lock_is_an_error_problem(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["httpx"]\n')
    (tmp_path / "uv.lock").write_text("version = [\n")
    (tmp_path / "app.py").write_text("import idna\n")
    project = Project(tmp_path)
    (finding,) = python_import_undeclared.check.evaluate(project).findings
    assert finding.severity.name == "ERROR"
    assert [p.path for p in project.problems] == ["uv.lock"]
    assert "lockfile is not valid TOML" in project.problems[0].message


def test_import_map_resolves_and_is_validated(tmp_path: Path) -> None:
    from pytest_kabul.config import KabulConfig, parse_config
    from pytest_kabul.errors import ConfigError

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["acme-internal-sdk", "widgets-pro"]\n'
    )
    (tmp_path / "app.py").write_text("import acme\nimport widgets\n")
    config = parse_config({"import-map": {"acme": "acme-internal-sdk"}}, "pyproject.toml")
    project = Project(tmp_path, config)
    findings = python_import_undeclared.check.evaluate(project).findings
    assert [(f.subject, f.severity.name) for f in findings] == [
        (f"{tmp_path.name}:widgets", "WARNING")  # resembles widgets-pro: ambiguous
    ]
    assert "import-map" in findings[0].remediation
    assert Project(tmp_path, KabulConfig()).config.import_map == {}
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.kabul\].import_map"):
        parse_config({"import-map": ["acme"]}, "pyproject.toml")
    with pytest.raises(ConfigError, match=r"import_map\.acme must be a distribution name"):
        parse_config({"import_map": {"acme": 3}}, "pyproject.toml")


def test_pep723_script_in_tests_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = []\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "manual.py").write_text(
        '# /// script\n# dependencies = ["httpx"]\n# ///\nimport httpx\nimport dotenv\n'
    )
    findings = python_import_undeclared.check.evaluate(Project(tmp_path)).findings
    assert [(f.subject, f.severity.name) for f in findings] == [
        ("tests/manual.py:python-dotenv", "WARNING")
    ]
