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

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.checks.migrations.test_live import private_tmp as private_tmp
from tests.helpers import MACHINE_URL, copy_project, run_kabul
from tests.helpers import leftover_kabul_databases as kabul_databases

pytestmark = pytest.mark.live
PS = ["ps", "-eww", "-o", "pid,args"]  # -ww: never cut to $COLUMNS (pytest sets it)


def processes_under(folder: Path) -> list[str]:
    out = subprocess.run(PS, capture_output=True, text=True, check=True)
    return [
        line for line in out.stdout.splitlines() if str(folder) in line and "ps -eww" not in line
    ]


def result(report: dict[str, Any], code: str, subject: str) -> dict[str, Any]:
    (found,) = [r for r in report["results"] if (r["code"], r["subject"]) == (code, subject)]
    return found


def _session_proc(
    tmp_path: Path, name: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    before = kabul_databases()
    root = copy_project(name, tmp_path)
    proc, report = run_kabul(root, "--kabul-postgres-url", MACHINE_URL, *args, timeout=300)
    assert processes_under(tmp_path) == []
    assert kabul_databases() - before == set()
    return proc, report


def session(tmp_path: Path, name: str, *args: str) -> tuple[Path, dict[str, Any]]:
    _proc, report = _session_proc(tmp_path, name, *args)
    return tmp_path / name, report


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


NEWER_SYNTAX = (
    "the project's code does not parse with Python {version} ({python}):"
    " backend/app/compat.py:7 (SyntaxError: multiple exception types must be parenthesized);"
    " it needs a newer Python: install the app's dependencies into a virtualenv of a Python"
    " that runs it and name that interpreter in [tool.kabul.live] python"
)


def _newer_syntax_reason() -> str:
    import sys

    version = ".".join(map(str, sys.version_info[:3]))
    return NEWER_SYNTAX.format(version=version, python=sys.executable)


@pytest.mark.skipif(
    __import__("sys").version_info >= (3, 14), reason="PEP 758 syntax parses from 3.14 on"
)
def test_code_newer_than_the_interpreter_is_a_skip_naming_file_version_and_setting(
    tmp_path: Path,
) -> None:
    """``except A, B:`` (PEP 758, Python 3.14) in a module env.py and the app import: every
    live item is "could not run here", never a KAB351 finding."""
    codes = ("KAB251", "KAB351", "KAB352", "KAB353", "KAB451")
    _root, report = session(tmp_path, "live_newer_syntax", "--kabul-select", ",".join(codes))
    assert report["findings"] == []
    subjects = {"KAB251": "backend:app.main:app", "KAB451": "backend:app.main:app"}
    for code in codes:
        item = result(report, code, subjects.get(code, "backend/alembic.ini"))
        assert item["outcome"] == "skipped", item
        assert item["not_run"] is True
        assert item["reason"] == _newer_syntax_reason()
    assert report["gate"]["headline"] == "Ready — 5 live checks could not run"


@pytest.mark.skipif(
    __import__("sys").version_info >= (3, 14), reason="PEP 758 syntax parses from 3.14 on"
)
def test_code_newer_than_the_interpreter_is_an_error_under_require_live(tmp_path: Path) -> None:
    proc, report = _session_proc(
        tmp_path, "live_newer_syntax", "--kabul-select", "KAB351,KAB451", "--kabul-require-live"
    )
    assert proc.returncode == 1, proc.stdout
    assert report["findings"] == []
    for code, subject in (("KAB351", "backend/alembic.ini"), ("KAB451", "backend:app.main:app")):
        item = result(report, code, subject)
        assert item["outcome"] == "failed", item
        assert item["reason"] == f"{code}: could not run here: {_newer_syntax_reason()}"
    assert report["gate"]["verdict"] == "Incomplete"


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


def test_kab251_fails_an_app_that_serves_without_its_config_behind_an_api_prefix(
    tmp_path: Path,
) -> None:
    """A required ``PRODUCTION: bool`` (true in production; false would need a dev-only
    package), database settings in parts, the health route under ``/api/v1/utils``, a worker
    reading the required ``SECRET_KEY`` directly: only ``SMTP_HOST`` is withheld, the app
    serves, and KAB251 fails."""
    _root, report = session(tmp_path, "live_prod_parts", "--kabul-select", "KAB251,KAB451")
    (kab251,) = [f for f in report["findings"] if f["code"] == "KAB251"]
    assert kab251["message"] == (
        "started with PRODUCTION=true and without SMTP_HOST, the app served"
        " GET /api/v1/utils/health-check/ (200)"
    )
    (kab451,) = [r for r in report["results"] if r["code"] == "KAB451"]
    assert kab451["outcome"] == "passed", kab451  # a "no limit observed" warning only


def test_kab251_records_what_a_pass_observed(tmp_path: Path) -> None:
    root = copy_project("live_prod_parts", tmp_path)
    main = root / "backend/app/main.py"
    main.write_text(
        main.read_text().replace(
            "    setup_logging()\n",
            "    setup_logging()\n    from app.mail import smtp_host\n\n    smtp_host()\n",
        )
    )
    mail = root / "backend/app/mail.py"
    mail.write_text(
        mail.read_text() + '\n\ndef smtp_host() -> str:\n    return os.environ["SMTP_HOST"]\n'
    )
    before = kabul_databases()
    _proc, report = run_kabul(
        root, "--kabul-select", "KAB251", "--kabul-postgres-url", MACHINE_URL, timeout=300
    )
    assert processes_under(tmp_path) == []
    assert kabul_databases() - before == set()
    (item,) = [r for r in report["results"] if r["code"] == "KAB251"]
    assert item["outcome"] == "passed", item
    assert item["observed"] == "refused to start: log names SMTP_HOST"


def _ours(folders: tuple[Path, ...]) -> list[tuple[int, str]]:
    out = subprocess.run(PS, capture_output=True, text=True, check=True)
    found = []
    for line in out.stdout.splitlines()[1:]:
        pid, _, args = line.strip().partition(" ")
        if any(str(f) in args for f in folders) and "ps -eww" not in args:
            found.append((int(pid), args))
    return found


def test_a_sigkilled_live_run_is_cleaned_up_by_the_next_run(
    tmp_path: Path, private_tmp: Path
) -> None:
    import os
    import signal
    import sys
    import time

    root = copy_project("live_db_conn", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    # A private state root: another kabul run on this machine would otherwise reap the
    # victim's leftovers before the next run below gets to them.
    env["KABUL_STATE_DIR"] = str(private_tmp / "state")
    argv = [
        sys.executable, "-m", "pytest", "--kabul-readiness", "--kabul-only",
        "-p", "no:cacheprovider", "-p", "no:randomly", f"--rootdir={root}",
    ]  # fmt: skip
    victim = subprocess.Popen(
        [*argv, "--kabul-select", "KAB451"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    folders = (tmp_path, private_tmp)
    try:
        deadline = time.monotonic() + 180
        seen: set[str] = set()
        while time.monotonic() < deadline:
            running = [args for _pid, args in _ours(folders)]
            seen.update(a[:100] for a in running)
            if any("uvicorn" in a for a in running) and any("postgres" in a for a in running):
                break
            assert victim.poll() is None, sorted(seen)
            time.sleep(0.2)
        else:
            pytest.fail("the replicas never started")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        assert list((private_tmp / "state").glob(f"{victim.pid}-*.json"))
        left = [args for _pid, args in _ours(folders)]
        assert any("uvicorn" in a for a in left), left  # SIGKILL did leave them behind
        assert sorted(p.name[:9] for p in private_tmp.glob("kabul-*")) != []

        done = subprocess.run(
            [*argv, "--kabul-select", "KAB301"],
            cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert "leftover(s) of killed runs" in done.stdout, done.stdout
        deadline = time.monotonic() + 15
        while _ours(folders) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ours(folders) == []
        assert list(private_tmp.glob("kabul-*")) == []
        assert list((private_tmp / "state").glob(f"{victim.pid}-*.json")) == []
    finally:
        if victim.poll() is None:
            victim.kill()
        for pid, _args in _ours(folders):  # only what this test started
            with __import__("contextlib").suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


# The replicas start together: when both run create_all on the other database at once, the
# loser's log shows the schema work (it is started again), and that is the site named.
SAFETY_NO_SESSION = re.compile(
    r"^KAB451: SAFETY: app\.main:app started and answered \(its start-up builds the schema:"
    r" (?:backend/app/main\.py:11|its log shows schema work)\), but the throwaway database"
    r" kabul_[0-9a-f]{12} pytest-kabul"
    r" created saw no session, no transaction and has no table: the app used some other"
    r" database\. "
)


def test_an_app_whose_engine_escapes_the_throwaway_url_is_a_safety_error(tmp_path: Path) -> None:
    """The engine hard-codes a SQLite URL, ignoring ``DATABASE_URL``: the replicas start and
    answer, the throwaway database sees nothing. A safety error, never a pass."""
    proc, report = _session_proc(tmp_path, "live_elsewhere", "--kabul-select", "KAB451")
    assert proc.returncode == 1, proc.stdout
    item = result(report, "KAB451", "backend:app.main:app")
    assert item["outcome"] == "failed", item
    assert SAFETY_NO_SESSION.match(item["reason"]), item["reason"]
    assert report["gate"]["verdict"] == "Not ready"
    assert (tmp_path / "live_elsewhere/backend/kabul_elsewhere.db").is_file()  # where it went


def test_an_app_logging_another_database_is_a_safety_error_and_the_sentinel_is_named(
    tmp_path: Path,
) -> None:
    """The engine's URL names a Postgres database this test created (a developer's database
    stand-in) and the app logs it: the error names that database, without credentials."""
    import secrets

    from pytest_kabul.services.postgres import PostgresService

    sentinel = f"sentinel_{secrets.token_hex(4)}"
    root = copy_project("live_elsewhere", tmp_path)
    db_py = root / "backend/app/db.py"
    url = f"postgresql+psycopg://postgres:not-a-real-password@127.0.0.1:5432/{sentinel}"
    db_py.write_text(
        db_py.read_text().replace("sqlite:///./kabul_elsewhere.db", url)
        + "\nprint('reporting store:', ENGINE_URL, flush=True)\n"
    )
    with PostgresService.from_url(MACHINE_URL) as server:
        server.execute(f'CREATE DATABASE "{sentinel}"')
        try:
            before = kabul_databases()
            proc, report = run_kabul(
                root, "--kabul-select", "KAB451", "--kabul-postgres-url", MACHINE_URL,
                timeout=300,
            )  # fmt: skip
            assert processes_under(tmp_path) == []
            assert kabul_databases() - before == set()
            tables = server.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", dbname=sentinel
            )
            assert tables == [("orders",)]  # it did reach the sentinel: found after the fact
        finally:
            server.execute(f'DROP DATABASE IF EXISTS "{sentinel}" WITH (FORCE)')
    assert proc.returncode == 1, proc.stdout
    item = result(report, "KAB451", "backend:app.main:app")
    assert item["outcome"] == "failed", item
    assert item["reason"].startswith(
        "KAB451: SAFETY: the log of app.main:app names"
        f" postgresql+psycopg://127.0.0.1:5432/{sentinel}, not a database or Redis pytest-kabul"
        " provided"
    ), item["reason"]
    assert "not-a-real-password" not in json.dumps(report)
    assert "not-a-real-password" not in proc.stdout
