"""KAB251 end to end: the app started for production without SMTP_HOST (read with os.getenv
outside Settings), in a real ``pytest --kabul-readiness`` subprocess with a real uvicorn."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks.scaling.test_kab451 import no_leftovers
from tests.helpers import copy_project, run_kabul

pytestmark = [pytest.mark.live, pytest.mark.usefixtures(no_leftovers.__name__)]


def test_app_that_validates_at_startup_passes(tmp_path: Path) -> None:
    root = copy_project("scaling_config_strict", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB251")
    results = [(r["code"], r["subject"], r["outcome"]) for r in report["results"]]
    assert results == [("KAB251", "backend:app.main:app", "passed")], proc.stdout
    assert report["findings"] == []


def test_app_that_starts_anyway_fails(tmp_path: Path) -> None:
    root = copy_project("scaling_config_lax", tmp_path)
    proc, report = run_kabul(root, "--kabul-select", "KAB251")
    assert proc.returncode == 1
    [finding] = report["findings"]
    assert (finding["code"], finding["subject"], finding["severity"]) == (
        "KAB251",
        "backend:app.main:app",
        "error",
    )
    # No comparison with "production" in this app: every usual name gets the value.
    assert finding["message"] == (
        "started with APP_ENV=production, ENV=production, ENVIRONMENT=production and without"
        " SMTP_HOST, the app served GET /health (200)"
    )
    assert (finding["path"], finding["line"]) == ("backend/Dockerfile", 5)
