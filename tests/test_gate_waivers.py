"""Waivers (``[tool.kabul.waivers]``): valid, expired, stale, not run, unknown code.

Dates are fixed far in the past/future so the tests never depend on today's date.
Stale waivers are reported (not failed) in the three places a reader looks: the terminal
summary (a ``STALE waiver`` line), the HTML scorecard and the JSON ``waivers`` list; they
also turn a clean run's verdict into "Ready with warnings".
"""

from __future__ import annotations

import pytest

from tests import gate_demo
from tests.gate_demo import run, write_pyproject

gate_project = gate_demo.gate_project


def _outcome(report: dict[str, object], subject: str) -> dict[str, object]:
    results = report["results"]
    assert isinstance(results, list)
    (row,) = [r for r in results if r["subject"] == subject]
    assert isinstance(row, dict)
    return row


def test_a_valid_waiver_skips_the_item_with_its_reason(gate_project: pytest.Pytester) -> None:
    write_pyproject(
        gate_project.path,
        '[[tool.kabul.waivers]]\ncode = "KAB980"\nsubject = "app:requests"\n'
        'reason = "vendored until the Q3 rewrite"\nuntil = "2999-12-31"\n',
    )
    result, report = run(gate_project, "-rs", select="KAB980")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        ["*KAB980: waived: vendored until the Q3 rewrite (until 2999-12-31)*"]
    )
    row = _outcome(report, "app:requests")
    assert row["outcome"] == "skipped"
    assert row["status"] == "waived"
    assert row["finding_states"] == {"waived": 1}
    assert report["waivers"] == [
        {
            "code": "KAB980",
            "subject": "app:requests",
            "reason": "vendored until the Q3 rewrite",
            "until": "2999-12-31",
            "status": "applied",
            "items": ["kabul::KAB980[app:requests]"],
        }
    ]
    assert report["gate"]["areas"]["dependencies"]["waived"] == 1
    assert report["gate"]["verdict"] == "Ready with warnings"
    result.stdout.fnmatch_lines(["waived findings:", "*KAB980 app/main.py:4 requests*"])


def test_a_code_wide_waiver_covers_every_subject_with_findings(
    gate_project: pytest.Pytester,
) -> None:
    write_pyproject(gate_project.path, '[tool.kabul.waivers]\nKAB980 = "legacy app"\n')
    result, report = run(gate_project, "--kabul-fail-level=warning", select="KAB980")
    result.assert_outcomes(passed=1, skipped=2)
    assert _outcome(report, "app:ok")["status"] == "passed"
    assert report["waivers"][0]["status"] == "applied"


def test_an_expired_waiver_fails_the_item_saying_when_it_expired(
    gate_project: pytest.Pytester,
) -> None:
    write_pyproject(
        gate_project.path,
        '[[tool.kabul.waivers]]\ncode = "KAB980"\nsubject = "app:requests"\n'
        'reason = "temporary"\nuntil = "2000-01-31"\n',
    )
    result, report = run(gate_project, select="KAB980")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "waiver for KAB980[app:requests] expired on 2000-01-31 (reason: temporary);"
            " its findings count again",
            "KAB980 app/main.py:4 requests is marked bad*",
            "EXPIRED waiver KAB980[app:requests] (temporary): expired on 2000-01-31",
        ]
    )
    assert report["waivers"][0]["status"] == "expired"
    assert _outcome(report, "app:requests")["waiver"] == {
        "index": 0,
        "code": "KAB980",
        "subject": "app:requests",
        "reason": "temporary",
        "until": "2000-01-31",
        "expired": True,
    }


def test_a_stale_waiver_is_reported(gate_project: pytest.Pytester) -> None:
    write_pyproject(
        gate_project.path,
        '[[tool.kabul.waivers]]\ncode = "KAB982"\nreason = "the web app is new"\n',
    )
    result, report = run(gate_project, select="KAB982")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "STALE waiver KAB982 (the web app is new): matches no finding;"
            " remove it from [tool.kabul.waivers] in pyproject.toml"
        ]
    )
    assert report["waivers"][0]["status"] == "stale"
    assert report["gate"]["verdict"] == "Ready with warnings"


def test_a_waiver_for_a_subject_without_findings_is_stale(gate_project: pytest.Pytester) -> None:
    write_pyproject(
        gate_project.path,
        '[[tool.kabul.waivers]]\ncode = "KAB980"\nsubject = "app:gone"\nreason = "fixed?"\n',
    )
    _, report = run(gate_project, select="KAB980")
    assert report["waivers"][0]["status"] == "stale"


def test_a_waiver_whose_check_did_not_run_is_not_called_stale(
    gate_project: pytest.Pytester,
) -> None:
    write_pyproject(gate_project.path, '[tool.kabul.waivers]\nKAB981 = "no database in CI"\n')
    result, report = run(gate_project, select="KAB980")
    assert report["waivers"][0]["status"] == "not-run"
    assert "STALE waiver" not in result.stdout.str()


def test_the_most_specific_waiver_wins(gate_project: pytest.Pytester) -> None:
    write_pyproject(
        gate_project.path,
        '[[tool.kabul.waivers]]\ncode = "KAB98"\nreason = "broad"\n'
        '[[tool.kabul.waivers]]\ncode = "KAB980"\nsubject = "app:requests"\nreason = "narrow"\n',
    )
    result, report = run(gate_project, "-rs", select="KAB980")
    result.stdout.fnmatch_lines(["*KAB980: waived: narrow*"])
    statuses = [(w["reason"], w["status"]) for w in report["waivers"]]
    assert statuses == [("broad", "applied"), ("narrow", "applied")]  # broad waives leftpad


def test_an_unknown_waiver_code_is_a_usage_error(gate_project: pytest.Pytester) -> None:
    write_pyproject(gate_project.path, '[tool.kabul.waivers]\nKAB777 = "typo"\n')
    result, _ = run(gate_project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown check code 'KAB777' (in pyproject.toml)*"])


def test_a_waiver_without_reason_is_a_usage_error(gate_project: pytest.Pytester) -> None:
    write_pyproject(gate_project.path, '[[tool.kabul.waivers]]\ncode = "KAB980"\n')
    result, _ = run(gate_project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*a waiver needs a non-empty 'reason'*"])


def test_a_waiver_for_a_deselected_item_is_not_called_stale(
    gate_project: pytest.Pytester,
) -> None:
    write_pyproject(
        gate_project.path,
        '[[tool.kabul.waivers]]\ncode = "KAB980"\nsubject = "app:requests"\nreason = "later"\n',
    )
    result, report = run(gate_project, "-k", "not requests", select="KAB980")
    assert report["waivers"][0]["status"] == "not-run"
    assert "STALE waiver" not in result.stdout.str()
