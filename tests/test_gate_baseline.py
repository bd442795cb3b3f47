"""Baselines: ``--kabul-baseline PATH`` (+ ``--kabul-baseline-write``) fail only on new findings.

Sessions run through pytester on the demo project, whose findings' messages deliberately repeat
the file and line: moving the code (other lines, other file) must keep them known.
"""

from __future__ import annotations

import json

import pytest

from pytest_kabul.model import Finding, Location, Severity, fingerprint, normalise_message
from tests import gate_demo
from tests.gate_demo import run

gate_project = gate_demo.gate_project

BASE = "kabul-baseline.json"


def _write(pytester: pytest.Pytester) -> dict[str, object]:
    result, _ = run(pytester, f"--kabul-baseline={BASE}", "--kabul-baseline-write", select="KAB980")
    result.stdout.fnmatch_lines([f"Baseline report written to {BASE}"])
    data: dict[str, object] = json.loads((pytester.path / BASE).read_text())
    return data


def test_write_records_code_subject_and_fingerprint(gate_project: pytest.Pytester) -> None:
    data = _write(gate_project)
    assert data["schema"] == 1
    rows = data["findings"]
    assert isinstance(rows, list)
    assert [(r["code"], r["subject"], r["severity"], r["line"]) for r in rows] == [
        ("KAB980", "app:leftpad", "warning", 5),
        ("KAB980", "app:requests", "error", 4),
    ]
    assert all(len(r["fingerprint"]) == 20 for r in rows)


def test_known_findings_pass_and_new_ones_fail(gate_project: pytest.Pytester) -> None:
    _write(gate_project)
    result, report = run(gate_project, f"--kabul-baseline={BASE}", select="KAB980")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["known findings (in the baseline, not failing):", "*requests*"])
    assert report["baseline"] == {"path": BASE, "mode": "read", "known": 1, "new": 0}
    app = gate_project.path / "app" / "main.py"
    app.write_text(app.read_text() + "    pass  # BAD urllib3 error\n")
    result, report = run(gate_project, f"--kabul-baseline={BASE}", select="KAB980")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    failed = [r["subject"] for r in report["results"] if r["outcome"] == "failed"]
    assert failed == ["app:urllib3"]
    assert report["baseline"]["known"] == 1
    assert report["baseline"]["new"] == 1
    states = {f["subject"]: f["state"] for f in report["finding_states"]}
    assert states == {
        "app:leftpad": "below-level",
        "app:requests": "known",
        "app:urllib3": "blocking",
    }


def test_moving_code_keeps_a_baselined_finding_known(gate_project: pytest.Pytester) -> None:
    _write(gate_project)
    app = gate_project.path / "app"
    (app / "main.py").write_text("\n\n\nimport os\n")
    (app / "moved").mkdir()
    (app / "moved" / "elsewhere.py").write_text(
        "# a new header\n\n\n\n\n\n\ndef main():\n    pass  # BAD requests error\n"
    )
    result, report = run(gate_project, f"--kabul-baseline={BASE}", select="KAB980")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    (state,) = [f for f in report["finding_states"] if f["subject"] == "app:requests"]
    assert (state["path"], state["line"], state["state"]) == ("app/moved/elsewhere.py", 9, "known")


def test_the_same_finding_twice_is_new_the_second_time(gate_project: pytest.Pytester) -> None:
    _write(gate_project)
    app = gate_project.path / "app" / "main.py"
    app.write_text(app.read_text() + "    pass  # BAD requests error\n")
    result, report = run(gate_project, f"--kabul-baseline={BASE}", select="KAB980")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    states = sorted(f["state"] for f in report["finding_states"] if f["subject"] == "app:requests")
    assert states == ["blocking", "known"]


def test_missing_baseline_is_a_usage_error_naming_the_fix(gate_project: pytest.Pytester) -> None:
    result, _ = run(gate_project, "--kabul-baseline=nope.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*nope.json: file not found; create it with --kabul-baseline nope.json"
            " --kabul-baseline-write*"
        ]
    )


def test_write_without_a_path_is_a_usage_error(gate_project: pytest.Pytester) -> None:
    result, _ = run(gate_project, "--kabul-baseline-write")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--kabul-baseline-write needs --kabul-baseline PATH*"])


def test_a_file_that_is_not_a_baseline_is_a_usage_error(gate_project: pytest.Pytester) -> None:
    (gate_project.path / "other.json").write_text('{"schema": 7}')
    result, _ = run(gate_project, "--kabul-baseline=other.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*not a pytest-kabul baseline (schema 1)*"])


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("x is bad in app/main.py:4 (line 4)", "x is bad in <path><line> (<line>)"),
        ("sentry_sdk in backend/app/core/monitoring.py", "sentry_sdk in <path>"),
        ("alembic.ini:12:3 broken", "<path><line> broken"),
        ("lines 3-4 of settings.py", "<line> of <path>"),
        ("'C:\\src\\app.py' line 7", "'<path>' <line>"),
        ("next 14.2 needs sharp", "next 14.2 needs sharp"),
    ],
)
def test_normalise_message_drops_paths_and_line_numbers(message: str, expected: str) -> None:
    assert normalise_message(message) == expected


def test_fingerprint_ignores_location_but_not_what_is_wrong() -> None:
    def f(subject: str, message: str, path: str, line: int) -> Finding:
        return Finding(
            code="KAB101",
            severity=Severity.ERROR,
            subject=subject,
            message=message,
            remediation="Fix.",
            location=Location(path, line),
        )

    a = f("backend:sentry-sdk", "sentry_sdk imported in app/a.py:3", "app/a.py", 3)
    moved = f("backend:sentry-sdk", "sentry_sdk imported in lib/b.py:90", "lib/b.py", 90)
    other = f("backend:redis", "redis imported in app/a.py:3", "app/a.py", 3)
    assert fingerprint(a) == fingerprint(moved)
    assert fingerprint(a) != fingerprint(other)
