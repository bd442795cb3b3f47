"""KAB252 end to end: a real uvicorn replica against a throwaway database that is then made
unavailable, in a real ``pytest --kabul-readiness`` subprocess. Every test also asserts that no
uvicorn or redis-server it started is left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.checks.scaling.test_kab451 import MACHINE_POSTGRES, no_leftovers
from tests.helpers import copy_project, leftover_kabul_databases, run_kabul

pytestmark = [pytest.mark.live, pytest.mark.usefixtures(no_leftovers.__name__)]


def kab252(report: dict[str, Any]) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    results = [(r["subject"], r["outcome"]) for r in report["results"] if r["code"] == "KAB252"]
    return results, [f for f in report["findings"] if f["code"] == "KAB252"]


def test_health_that_ignores_the_database_fails(tmp_path: Path) -> None:
    root = copy_project("live_health_lying", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB252")
    results, findings = kab252(report)
    assert (proc.returncode, results) == (1, [("backend:app.main:app", "failed")]), proc.stdout
    [finding] = findings
    assert finding["message"] == (
        "with its database unavailable, GET /healthz still answered 200 (3 of 3 probes): load"
        " balancers keep routing traffic to a broken app"
    )
    assert (finding["severity"], finding["path"], finding["line"]) == (
        "error",
        "backend/app/main.py",
        10,
    )
    transcript = finding["evidence"][0]["text"]
    assert "database up: GET /healthz -> 200" in transcript
    assert transcript.count("GET /healthz -> 200") == 4


def test_health_that_checks_the_database_passes(tmp_path: Path) -> None:
    """The machine's Postgres as --kabul-postgres-url: the throwaway database is dropped
    afterwards, also after it was taken down."""
    before = leftover_kabul_databases()
    root = copy_project("live_health_checked", tmp_path)
    proc, report = run_kabul(
        root, "--kabul-select", "KAB252", "--kabul-postgres-url", MACHINE_POSTGRES
    )
    results, findings = kab252(report)
    assert (proc.returncode, results, findings) == (
        0,
        [("backend:app.main:app", "passed")],
        [],
    ), proc.stdout
    # The prefixed route was found and answered 503 while the database was down.
    [item] = [r for r in report["results"] if r["code"] == "KAB252"]
    assert "GET /api/v1/health answered 503, 503, 503" in str(item), item
    assert leftover_kabul_databases() <= before  # nothing of ours left behind


def test_health_that_returns_the_exception_text_fails(tmp_path: Path) -> None:
    root = copy_project("live_health_leaky", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB252")
    results, findings = kab252(report)
    assert (proc.returncode, results) == (1, [("backend:app.main:app", "failed")]), proc.stdout
    [finding] = findings  # it answers 503: only the exception text is wrong
    assert finding["message"].startswith(
        "with its database unavailable, GET /health returned raw exception text ("
    )
    assert {"DBAPIError", "asyncpg"} <= set(
        finding["message"].split("(", 1)[1].split(")")[0].split(", ")
    )
    assert (finding["path"], finding["line"]) == ("backend/app/main.py", 11)


def test_app_without_a_database_is_skipped(tmp_path: Path) -> None:
    root = copy_project("scaling_config_strict", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB252")
    results, findings = kab252(report)
    assert (results, findings) == ([("backend:app.main:app", "skipped")], []), proc.stdout
    [item] = [r for r in report["results"] if r["code"] == "KAB252"]
    assert "reads no database setting" in str(item)
