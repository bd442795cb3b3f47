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
    return [
        line for line in out.stdout.splitlines() if str(folder) in line and "ps -eo" not in line
    ]


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


def test_a_sentinel_database_behind_an_unusual_url_field_survives_a_full_live_run(
    tmp_path: Path,
) -> None:
    """``DB_CONN`` (a name no pattern knows) defaults to, and the app's .env points at, a
    reachable database holding data: Alembic (upgrade, drift, downgrade round trip) and the app
    replicas must all use the throwaway database instead."""
    import secrets

    from pytest_kabul.live.safety import url_bindings
    from pytest_kabul.project.core import Project
    from pytest_kabul.services.postgres import PostgresService

    sentinel = f"sentinel_{secrets.token_hex(4)}"
    root = copy_project("live_db_conn", tmp_path)
    for rel in ("backend/app/core/config.py", "backend/.env"):
        path = root / rel
        path.write_text(path.read_text().replace("SENTINEL_DB", sentinel))
    bound = {(b.name, b.kind) for b in url_bindings(Project(root), "backend")}
    assert bound == {("DB_CONN", "database")}

    with PostgresService.from_url(MACHINE_URL) as server:
        server.execute(f'CREATE DATABASE "{sentinel}"')
        try:
            server.execute(
                "CREATE TABLE users (id int primary key, email text);"
                " INSERT INTO users VALUES (1, 'a@example.com'), (2, 'b@example.com');"
                " CREATE TABLE alembic_version (version_num varchar(32) primary key);"
                " INSERT INTO alembic_version VALUES ('2b3c4d5e6f70');",
                dbname=sentinel,
            )
            before = kabul_databases()
            _proc, report = run_kabul(
                root,
                "--kabul-select", "KAB351,KAB352,KAB353,KAB451",
                "--kabul-postgres-url", MACHINE_URL,
                timeout=300,
            )  # fmt: skip
            assert processes_under(tmp_path) == []
            assert kabul_databases() - before == set()
            rows = server.execute("SELECT id, email FROM users ORDER BY id", dbname=sentinel)
            assert rows == [(1, "a@example.com"), (2, "b@example.com")]
            tables = server.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                dbname=sentinel,
            )
            assert tables == [("alembic_version",), ("users",)]
        finally:
            server.execute(f'DROP DATABASE IF EXISTS "{sentinel}" WITH (FORCE)')
    for code in ("KAB351", "KAB352", "KAB353"):
        assert result(report, code, "backend/alembic.ini")["outcome"] == "passed"
    (kab451,) = [r for r in report["results"] if r["code"] == "KAB451"]
    assert kab451["outcome"] in ("passed", "failed"), kab451  # it ran (a finding is fine)
