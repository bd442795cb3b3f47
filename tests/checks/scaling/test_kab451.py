"""KAB451 end to end: real uvicorn replicas, real Redis, a real ``pytest --kabul-readiness``
subprocess and its JSON report. Every test also asserts that no uvicorn or redis-server
process it started is left behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.services.resp import RedisAddress, RespConnection
from tests.helpers import adopting_orphans, copy_project, own_processes, run_kabul

pytestmark = pytest.mark.live
MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def no_leftovers(tmp_path: Path) -> Iterator[None]:
    """No uvicorn or redis-server that this test started (directly or through the pytest
    subprocess, whose orphans this process adopts) is left; other programs' processes on the
    machine are never counted."""
    with adopting_orphans() as adopting:
        assert adopting
        before = set(own_processes())
        yield
        left = {
            pid: cmd
            for pid, cmd in own_processes().items()
            if pid not in before and ("uvicorn" in cmd or "redis-server" in cmd)
        }
    assert left == {}, f"processes left behind: {left}"


def kab451(report: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    outcomes = [r["outcome"] for r in report["results"] if r["code"] == "KAB451"]
    findings = [f for f in report["findings"] if f["code"] == "KAB451"]
    return outcomes, findings


def counts(finding: dict[str, Any]) -> tuple[int, int]:
    text = finding["evidence"][0]["text"]
    a1 = re.findall(r"accepted a1 = (\d+)", text)[-1]
    a2 = re.findall(r"accepted a2 = (\d+)", text)[-1]
    return int(a1), int(a2)


@pytest.mark.usefixtures("no_leftovers")
def test_in_memory_throttle_is_per_process(tmp_path: Path) -> None:
    """Default provider: an embedded redis-server on a free port."""
    root = copy_project("scaling_memory", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB451")
    outcomes, findings = kab451(report)
    assert (proc.returncode, outcomes) == (1, ["failed"]), proc.stdout
    [finding] = findings
    assert (finding["subject"], finding["severity"]) == ("backend:app.main:app", "error")
    assert (finding["path"], finding["line"]) == ("backend/app/middleware/throttle.py", 12)
    a1, a2 = counts(finding)
    # max_per_second=20 in each replica: one replica accepts 20, two accept 40.
    assert (a1, a2) == (20, 40)
    assert "GET /api/v1/__kabul_probe__" in finding["evidence"][0]["text"]


def _empty_databases(address: RedisAddress) -> set[int]:
    empty = set()
    with RespConnection(address) as conn:
        for db in range(16):
            conn.call("SELECT", str(db))
            if conn.call("DBSIZE") == 0:
                empty.add(db)
    return empty


@pytest.mark.usefixtures("no_leftovers")
def test_redis_backed_limit_is_shared_external_redis(tmp_path: Path) -> None:
    """The machine's Redis at 127.0.0.1:6379 as --kabul-redis-url: an unused database is
    claimed and flushed afterwards (the databases that were empty are empty again)."""
    address = RedisAddress("127.0.0.1", 6379)
    before = _empty_databases(address)
    root = copy_project("scaling_redis", tmp_path)
    proc, report = run_kabul(
        root, "--kabul-select", "KAB451", "--kabul-redis-url", "redis://127.0.0.1:6379/0"
    )
    assert kab451(report) == (["passed"], []), proc.stdout
    assert _empty_databases(address) >= before


@pytest.mark.usefixtures("no_leftovers")
def test_no_limit_observed_is_a_finding(tmp_path: Path) -> None:
    root = copy_project("scaling_none", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB451", "--kabul-fail-level", "warning")
    outcomes, findings = kab451(report)
    assert outcomes == ["failed"], proc.stdout
    assert [(f["subject"], f["severity"]) for f in findings] == [
        ("scaling_none:app.main:app", "warning")
    ]
    assert findings[0]["message"] == (
        "no rate limit observed: no 429 within 200 requests per burst on /__kabul_probe__, /menu"
    )


@pytest.mark.usefixtures("no_leftovers")
@pytest.mark.parametrize(("scenario", "outcome"), [("sweetshop", "failed"), ("healthy", "passed")])
def test_central_fixtures(tmp_path: Path, scenario: str, outcome: str) -> None:
    """The audit's sweetshop (IPThrottleMiddleware, per-second dict buckets) against the healthy
    project (Redis-backed limiter), each replica pair with a fresh ``kabul_*`` database on the
    machine's Postgres (the embedded provider is covered by the Postgres tests)."""
    root = copy_project(scenario, tmp_path)
    proc, report = run_kabul(
        root, "--kabul-select", "KAB451,KAB251", "--kabul-postgres-url", MACHINE_POSTGRES
    )
    outcomes, findings = kab451(report)
    assert outcomes == [outcome], proc.stdout
    kab251 = [(r["subject"], r["outcome"]) for r in report["results"] if r["code"] == "KAB251"]
    if outcome == "passed":
        assert findings == []
        assert kab251 == [("backend:app.main:app", "skipped")]  # all config through Settings
        return
    # Audit item #2: started with APP_ENV=production and without SMTP_HOST & co., it serves.
    assert kab251 == [("backend:app.main:app", "failed")]
    [config] = [f for f in report["findings"] if f["code"] == "KAB251"]
    assert config["message"].startswith("started with APP_ENV=production and without ")
    assert "SMTP_HOST" in config["message"]
    assert config["message"].endswith("the app served GET /health (200)")
    [finding] = findings
    assert (finding["subject"], finding["severity"]) == ("backend:app.main:app", "error")
    a1, a2 = counts(finding)
    assert a1 > 0
    assert abs(a2 - 2 * a1) <= max(2, a1 // 10), (a1, a2)
    assert [e["title"] for e in finding["evidence"]] == ["probe", "replica log tails"]
