"""Live checks that cannot run here: a clean skip with the reason (an error under
--kabul-require-live), never an INTERNALERROR, and every report says so.

No service is started: a refused remote URL is the unavailable service, so these run fast.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import copy_project, run_kabul

REMOTE_PG = "postgresql://postgres@10.0.0.1:5432/postgres"
SUBJECT = "migrations_healthy/backend/alembic.ini"


def _result(report: dict[str, object], code: str) -> dict[str, object]:
    results = report["results"]
    assert isinstance(results, list)
    (found,) = [r for r in results if r["code"] == code and r["subject"] == SUBJECT]
    assert isinstance(found, dict)
    return found


def test_an_unavailable_postgres_is_a_reported_skip(tmp_path: Path) -> None:
    root = tmp_path / "p"
    copy_project("migrations_healthy", root)
    sarif = tmp_path / "out.sarif"
    proc, report = run_kabul(
        root,
        "--kabul-select", "KAB351,KAB352",
        "--kabul-postgres-url", REMOTE_PG,
        f"--kabul-sarif={sarif}",
        "-rs",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "INTERNALERROR" not in proc.stdout + proc.stderr
    for code in ("KAB351", "KAB352"):
        item = _result(report, code)
        assert item["outcome"] == "skipped"
        assert item["not_run"] is True
        assert "refusing Postgres host '10.0.0.1'" in str(item["reason"])
    assert report["summary"]["items"]["skipped"] == 2
    assert report["summary"]["not_run"] == 2
    gate = report["gate"]
    assert gate["verdict"] == "Ready"
    assert gate["headline"] == "Ready — 2 live checks could not run"
    assert "Ready — 2 live checks could not run" in proc.stdout
    assert "live checks that could not run here:" in proc.stdout
    notes = json.loads(sarif.read_text())["runs"][0]["invocations"][0]
    assert [n["descriptor"]["id"] for n in notes["toolExecutionNotifications"]] == [
        "KAB351",
        "KAB352",
    ]
    assert notes["executionSuccessful"] is True


def test_require_live_turns_it_into_an_error_and_an_incomplete_verdict(tmp_path: Path) -> None:
    root = tmp_path / "p"
    copy_project("migrations_healthy", root)
    proc, report = run_kabul(
        root, "--kabul-select", "KAB351", "--kabul-postgres-url", REMOTE_PG,
        "--kabul-require-live",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    item = _result(report, "KAB351")
    assert item["outcome"] == "failed"
    assert "could not run here" in str(item["reason"])
    assert report["gate"]["verdict"] == "Incomplete"
    assert report["gate"]["passed"] is False


def test_a_remote_redis_url_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    copy_project("scaling_memory", root)
    proc, report = run_kabul(
        root, "--kabul-select", "KAB451", "--kabul-redis-url", "redis://10.0.0.1:6379/0"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (item,) = [r for r in report["results"] if r["code"] == "KAB451"]
    assert item["outcome"] == "skipped"
    assert "refusing Redis host '10.0.0.1'" in item["reason"]


def test_no_check_collected_is_never_ready(tmp_path: Path) -> None:
    root = tmp_path / "p"
    copy_project("migrations_healthy", root)
    _proc, report = run_kabul(root, "--kabul-select", "KAB351", "-k", "nothing-matches-this")
    assert report["gate"]["verdict"] == "Incomplete"
    assert report["gate"]["passed"] is False
