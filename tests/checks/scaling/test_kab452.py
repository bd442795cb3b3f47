"""KAB452 end to end: a real uvicorn replica started with the production trust setting, bursts
with and without a rotating X-Forwarded-For, in a real ``pytest --kabul-readiness``
subprocess. Every test also asserts that no uvicorn or redis-server it started is left."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.checks.scaling.forwarded_for_bypasses_rate_limit import evaluate
from pytest_kabul.project.core import Project
from pytest_kabul.services.spoof import forwarded_address
from tests.checks.scaling.test_kab451 import no_leftovers
from tests.helpers import PROJECTS, copy_project, run_kabul


def kab452(report: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    results = [r for r in report["results"] if r["code"] == "KAB452"]
    return results, [f for f in report["findings"] if f["code"] == "KAB452"]


@pytest.mark.live
@pytest.mark.usefixtures(no_leftovers.__name__)
def test_rotating_forwarded_for_is_never_limited(tmp_path: Path) -> None:
    root = copy_project("scaling_trust_all", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB452")
    results, findings = kab452(report)
    assert [r["outcome"] for r in results] == ["failed"], proc.stdout
    [finding] = findings
    assert (finding["subject"], finding["severity"]) == ("backend:app.main:app", "error")
    assert (finding["path"], finding["line"]) == ("backend/Dockerfile", 6)
    message = re.fullmatch(
        r"200 requests to GET /api/v1/login-attempts with a different X-Forwarded-For each:"
        r" 0 x 429 \(without the header, (\d+) of 200 were refused\)",
        finding["message"],
    )
    assert message is not None, finding["message"]
    assert int(message.group(1)) > 0
    evidence = {e["title"]: e["text"] for e in finding["evidence"]}
    assert (
        "backend/Dockerfile:6: uvicorn --forwarded-allow-ips '*'"
        in evidence["what trusts the header"]
    )
    assert "[200: 200]" in evidence["probe"]


@pytest.mark.live
@pytest.mark.usefixtures(no_leftovers.__name__)
def test_limit_keyed_by_something_else_holds(tmp_path: Path) -> None:
    root = copy_project("scaling_trust_keyed", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB452")
    results, findings = kab452(report)
    assert ([r["outcome"] for r in results], findings) == (["passed"], []), proc.stdout
    assert re.search(r"[1-9]\d* x 429 of 200 requests with a new X-Forwarded-For", str(results))


def test_not_applicable_without_trust_or_limiter() -> None:
    # slowapi keyed by the client address, server trusting only its default proxies.
    evaluation = evaluate(Project(PROJECTS / "scaling_slowapi_redis"))
    assert evaluation.subjects == ()
    assert list(evaluation.skipped.values()) == [
        "the server trusts X-Forwarded-For only from its default proxies and no limiter reads"
        " the header"
    ]
    assert evaluate(Project(PROJECTS / "scaling_none")).subjects == ()


def test_forwarded_addresses_are_distinct_and_private() -> None:
    addresses = [forwarded_address(i) for i in range(70000)]
    assert len(set(addresses)) == 70000
    assert addresses[:2] == ["10.0.0.1", "10.0.0.2"]
    assert all(a.startswith("10.") for a in addresses)
