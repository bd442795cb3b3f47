"""Fail-level gating and selection, through real pytest sessions (pytester).

The demo project (tests/gate_demo.py) has one finding per severity, so every fail-level has an
exact expected set of failing items, exit code and below-level list.
"""

from __future__ import annotations

import pytest

from pytest_kabul.registry import is_selected
from tests import gate_demo
from tests.gate_demo import run, write_pyproject

gate_project = gate_demo.gate_project

APP = """\
x = 1  # BAD a-info info
y = 2  # BAD b-warning warning
z = 3  # BAD c-error error
w = 4  # BAD d-critical critical
"""
SUBJECTS = ["app:a-info", "app:b-warning", "app:c-error", "app:d-critical"]


def _failed(report: dict[str, object]) -> list[str]:
    results = report["results"]
    assert isinstance(results, list)
    return sorted(r["subject"] for r in results if r["outcome"] == "failed")


@pytest.mark.parametrize(
    ("level", "failing"),
    [
        ("info", SUBJECTS),
        ("warning", SUBJECTS[1:]),
        ("error", SUBJECTS[2:]),
        ("critical", SUBJECTS[3:]),
    ],
)
def test_every_fail_level_fails_exactly_the_findings_at_or_above_it(
    gate_project: pytest.Pytester, level: str, failing: list[str]
) -> None:
    (gate_project.path / "app" / "main.py").write_text(APP)
    result, report = run(gate_project, f"--kabul-fail-level={level}", select="KAB980")
    assert _failed(report) == failing
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    below = sorted(set(SUBJECTS) - set(failing))
    assert report["gate"]["fail_level"] == level
    assert report["gate"]["verdict"] == "Not ready"
    assert report["gate"]["finding_states"]["blocking"] == len(failing)
    assert report["gate"]["finding_states"]["below-level"] == len(below)
    states = {f["subject"]: f["state"] for f in report["finding_states"]}
    assert states == {s: ("blocking" if s in failing else "below-level") for s in SUBJECTS}
    out = result.stdout.str()
    if below:
        assert f"findings below fail-level {level} (not failing):" in out
        for subject in below:
            assert f"{subject.removeprefix('app:')} is marked bad" in out
    else:
        assert "findings below fail-level" not in out


def test_findings_all_below_the_level_pass_with_exit_code_zero(
    gate_project: pytest.Pytester,
) -> None:
    (gate_project.path / "app" / "main.py").write_text("x = 1  # BAD a-info info\n")
    result, report = run(gate_project, select="KAB980")
    assert result.ret == pytest.ExitCode.OK
    assert report["gate"]["verdict"] == "Ready with warnings"
    assert report["gate"]["passed"] is True
    result.stdout.fnmatch_lines(
        [
            "verdict: Ready with warnings (fail-level error;"
            " 0 blocking, 1 below fail-level, 0 known, 0 waived)"
        ]
    )


def test_no_findings_is_ready(gate_project: pytest.Pytester) -> None:
    (gate_project.path / "app" / "main.py").write_text("x = 1\n")
    result, report = run(gate_project, select="KAB980")
    assert result.ret == pytest.ExitCode.OK
    assert report["gate"]["verdict"] == "Ready"


def test_fail_level_from_tool_kabul_ini_and_cli_precedence(gate_project: pytest.Pytester) -> None:
    (gate_project.path / "app" / "main.py").write_text(APP)
    write_pyproject(gate_project.path, 'fail-level = "critical"\n')
    _, from_file = run(gate_project, select="KAB980")
    assert _failed(from_file) == ["app:d-critical"]
    gate_project.makeini("[pytest]\nkabul_fail_level = warning\n")
    _, from_ini = run(gate_project, select="KAB980")
    assert _failed(from_ini) == SUBJECTS[1:]
    _, from_cli = run(gate_project, "--kabul-fail-level=info", select="KAB980")
    assert _failed(from_cli) == SUBJECTS


def test_invalid_fail_level_in_config_is_a_usage_error(gate_project: pytest.Pytester) -> None:
    write_pyproject(gate_project.path, 'fail-level = "fatal"\n')
    result, _ = run(gate_project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*fail_level must be one of info, warning, error, critical*"])


@pytest.mark.parametrize(
    ("code", "select", "ignore", "expected"),
    [
        ("KAB101", (), (), True),
        ("KAB101", ("KAB1",), (), True),
        ("KAB201", ("KAB1",), (), False),
        ("KAB101", ("KAB1",), ("KAB10",), False),  # longer ignore wins
        ("KAB101", ("KAB101",), ("KAB1",), True),  # longer select wins
        ("KAB102", ("KAB101",), ("KAB1",), False),
        ("KAB101", ("KAB1",), ("KAB1",), False),  # a tie goes to ignore
        ("KAB101", (), ("KAB",), False),
        ("KAB101", ("KAB", "KAB101"), ("KAB10",), True),  # longest of several selects
    ],
)
def test_longest_match_wins(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...], expected: bool
) -> None:
    assert is_selected(code, select, ignore) is expected


def test_select_and_ignore_in_a_session(gate_project: pytest.Pytester) -> None:
    result, report = run(gate_project, "--kabul-ignore=KAB98", "--kabul-select=KAB982")
    assert [c["code"] for c in report["checks"]] == ["KAB982"]
    assert result.ret == pytest.ExitCode.OK
