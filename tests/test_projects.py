"""Every fixture repo under tests/projects/ against its expected.toml, one test per (repo, code).

``expected.toml`` lists the exact findings of the static checks::

    args = ["--kabul-select", "KAB1"]   # optional extra pytest args

    [[finding]]
    code = "KAB101"
    subject = "backend:sentry-sdk"
    severity = "error"
    path = "backend/app/core/monitoring.py"
    line = 27

Each repo runs once per session through a real ``pytest --kabul-readiness`` subprocess; every
registered static check then gets its own test, so ``-k KAB101`` narrows to one check.
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from pytest_kabul.registry import all_checks
from tests.helpers import PROJECTS, copy_project, run_kabul

SCENARIOS = sorted(p.name for p in PROJECTS.iterdir() if (p / "expected.toml").is_file())
STATIC_CODES = sorted(c.code for c in all_checks() if not c.live)  # opt-in: only where selected
_RUNS: dict[str, dict[str, Any]] = {}


def _expected(name: str) -> dict[str, Any]:
    return tomllib.loads((PROJECTS / name / "expected.toml").read_text())


def _report(name: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if name not in _RUNS:
        root = copy_project(name, tmp_path_factory.mktemp("project"))
        args = _expected(name).get("args", [])
        _proc, report = run_kabul(root, "-m", "kabul and not kabul_live", *args)
        _RUNS[name] = report
    return _RUNS[name]


def _key(f: dict[str, Any]) -> tuple[str, str, str, str, int]:
    return (f["code"], f["subject"], f["severity"], f.get("path") or "", f.get("line") or 0)


@pytest.mark.parametrize("code", STATIC_CODES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_findings_match_expected(
    scenario: str, code: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    report = _report(scenario, tmp_path_factory)
    expected = sorted(_key(f) for f in _expected(scenario).get("finding", []) if f["code"] == code)
    actual = sorted(_key(f) for f in report["findings"] if f["code"] == code)
    if actual != expected:
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        pytest.fail(
            f"{scenario} {code}: findings differ from expected.toml\n"
            f"missing: {missing}\nunexpected: {extra}",
            pytrace=False,
        )


def test_fixture_projects_exist() -> None:
    assert SCENARIOS, f"no fixture project with an expected.toml under {PROJECTS}"
