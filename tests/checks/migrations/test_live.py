"""Live migration checks end to end: real ``pytest --kabul-readiness`` subprocesses, real
Postgres (the machine's server through ``--kabul-postgres-url`` and the embedded local-binaries
provider), the fixtures' own Alembic environments; results read from the JSON report.

Every run is also a leak test: after a passing, a failing and an interrupted (SIGINT) session
no ``kabul_*`` database, embedded data dir or embedded postgres process is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.services.postgres import PostgresService
from tests.helpers import MACHINE_URL, copy_project, leftover_kabul_databases, run_kabul

pytestmark = pytest.mark.live


def live_kabul_databases() -> set[str]:
    with PostgresService.from_url(MACHINE_URL) as server:
        return set(server.kabul_databases())


def leftovers(tmpdir: Path) -> list[str]:
    """Embedded data dirs in ``tmpdir`` and postgres processes whose data dir lies there."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    procs = [line for line in out.stdout.splitlines() if str(tmpdir) in line and "postgres" in line]
    return sorted(p.name for p in tmpdir.glob("kabul-pg-*")) + procs


@pytest.fixture
def private_tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A TMPDIR the ``postgres`` user can traverse (pytest's own tmp dirs are 0700)."""
    path = Path(tempfile.mkdtemp(prefix="kabul-test-tmp-", dir="/tmp"))
    path.chmod(0o755)
    monkeypatch.setenv("TMPDIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def result(report: dict[str, Any], code: str, subject: str) -> dict[str, Any]:
    (found,) = [r for r in report["results"] if (r["code"], r["subject"]) == (code, subject)]
    return found


def findings(report: dict[str, Any], code: str, subject: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if (f["code"], f["subject"]) == (code, subject)]


def run(root: Path, *args: str) -> dict[str, Any]:
    _proc, report = run_kabul(root, "--kabul-require-live", *args, timeout=300)
    return report


def combined(tmp_path: Path, *names: str) -> Path:
    """One root holding several fixture projects: one session (and server) checks them all."""
    root = tmp_path / "combined"
    for name in names:
        copy_project(name, root)
    return root


def assert_sweetshop_fails_and_healthy_passes(report: dict[str, Any]) -> None:
    (finding,) = findings(report, "KAB351", "sweetshop/backend/alembic.ini")
    assert finding["message"].startswith(
        "`alembic upgrade head` fails on an empty database at revision "
    )
    assert finding["path"].startswith("sweetshop/backend/alembic/versions/")
    assert finding["severity"] == "critical"
    evidence = {e["title"]: e["text"] for e in finding["evidence"]}
    assert 'type "userrole" does not exist' in evidence["alembic error"]
    assert findings(report, "KAB352", "sweetshop/backend/alembic.ini") == []  # skipped
    assert result(report, "KAB351", "healthy/backend/alembic.ini")["outcome"] == "passed"
    assert result(report, "KAB352", "healthy/backend/alembic.ini")["outcome"] == "passed"


def test_live_checks_with_the_url_provider(tmp_path: Path) -> None:
    before = leftover_kabul_databases()
    root = combined(tmp_path, "sweetshop", "healthy", "migrations_drift", "migrations_not_at_head")
    report = run(root, "--kabul-select", "KAB351,KAB352", "--kabul-postgres-url", MACHINE_URL)
    assert_sweetshop_fails_and_healthy_passes(report)

    drift = "migrations_drift/backend/alembic.ini"
    assert result(report, "KAB351", drift)["outcome"] == "passed"
    (finding,) = findings(report, "KAB352", drift)
    assert finding["message"] == "the migrated database differs from the models: 1 difference"
    assert finding["evidence"] == [
        {
            "title": "differences (models vs. migrated database)",
            "text": "add_column users.nickname VARCHAR(64)",
        }
    ]
    (finding,) = findings(report, "KAB351", "migrations_not_at_head/backend/alembic.ini")
    assert finding["message"] == (
        "after `alembic upgrade head` on an empty database it is at no revision, not at the"
        " script head(s) e0e0e0e0e001"
    )
    assert leftover_kabul_databases() <= before  # nothing of ours left behind


def test_live_checks_with_the_embedded_provider(tmp_path: Path, private_tmp: Path) -> None:
    report = run(combined(tmp_path, "sweetshop", "healthy"), "--kabul-select", "KAB351,KAB352")
    assert_sweetshop_fails_and_healthy_passes(report)
    assert leftovers(private_tmp) == []


def interrupt_when(root: Path, args: list[str], ready: Any) -> int:
    """Start a readiness session, SIGINT it once ``ready()`` is true, return its exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    argv = [sys.executable, "-m", "pytest", "--kabul-readiness", "--kabul-only",
            "-p", "no:cacheprovider", f"--rootdir={root}", *args]  # fmt: skip
    with subprocess.Popen(
        argv, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        deadline = time.monotonic() + 120
        while not ready() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the session ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        return proc.wait(120)


def test_interrupted_sessions_leave_nothing_behind(tmp_path: Path, private_tmp: Path) -> None:
    before = leftover_kabul_databases()
    before_live = live_kabul_databases()
    root = copy_project("healthy", tmp_path)
    code = interrupt_when(
        root,
        ["--kabul-select", "KAB351", "--kabul-postgres-url", MACHINE_URL],
        lambda: live_kabul_databases() - before_live,
    )
    assert code == 2  # pytest's "interrupted"
    assert leftover_kabul_databases() <= before  # nothing of ours left behind

    code = interrupt_when(
        root,
        ["--kabul-select", "KAB351"],
        lambda: list(private_tmp.glob("kabul-pg-*/data/PG_VERSION")),
    )
    assert code == 2
    assert leftovers(private_tmp) == []
