"""Live checks a team can trust (issue 13), end to end with real Postgres and Alembic.

- "could not run here" is a skip naming the cause and the setting that fixes it, never a
  KAB351 finding (a module missing from the interpreter);
- Alembic runs the way the deploy runs it (a workflow's ``docker compose run backend alembic
  upgrade head`` -> the service's build context; relative ``script_location``; ``env.py``
  extending ``sys.path``; a revision importing a package with a circular import with the app,
  which works only when ``env.py`` runs first).

Every session is a leak test: no process started under the test's folder, no ``kabul_*``
database of a dead owner is left.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import copy_project, run_kabul
from tests.test_migrations_live import MACHINE_URL, kabul_databases

pytestmark = pytest.mark.live


def processes_under(folder: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if str(folder) in line and "ps -eo" not in line]


def result(report: dict[str, Any], code: str, subject: str) -> dict[str, Any]:
    (found,) = [r for r in report["results"] if (r["code"], r["subject"]) == (code, subject)]
    return found


def session(tmp_path: Path, name: str, *args: str) -> tuple[Path, dict[str, Any]]:
    before = kabul_databases()
    root = copy_project(name, tmp_path)
    _proc, report = run_kabul(root, "--kabul-postgres-url", MACHINE_URL, *args, timeout=300)
    assert processes_under(tmp_path) == []
    assert kabul_databases() - before == set()
    return root, report


def test_a_module_missing_from_the_interpreter_is_a_skip_naming_it(tmp_path: Path) -> None:
    _root, report = session(tmp_path, "live_missing_module", "--kabul-select", "KAB351,KAB352")
    assert report["findings"] == []
    for code in ("KAB351", "KAB352"):
        item = result(report, code, "backend/alembic.ini")
        assert item["outcome"] == "skipped", item
        assert item["not_run"] is True
        assert "module 'kabul_absent_dependency' is not importable" in item["reason"]
        assert "[tool.kabul.live] python" in item["reason"]
    assert report["gate"]["headline"] == "Ready — 2 live checks could not run"


def test_alembic_runs_where_the_deploy_workflow_runs_it(tmp_path: Path) -> None:
    _root, report = session(
        tmp_path, "live_workflow_migration", "--kabul-select", "KAB351,KAB352,KAB353"
    )
    assert report["findings"] == []
    for code in ("KAB351", "KAB352", "KAB353"):
        item = result(report, code, "backend/alembic.ini")
        assert item["outcome"] == "passed", item
