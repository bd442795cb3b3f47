"""KAB205 db-connection-budget: pools x processes x replicas against max_connections."""

from __future__ import annotations

from pytest_kabul.checks.settings import db_connection_budget
from pytest_kabul.project.python.engines import sqla_engines
from tests.helpers import MakeProject

KAB205 = db_connection_budget.check

BACKEND = {
    "backend/Dockerfile": 'FROM python:3.12\nCOPY . /app\nCMD ["uvicorn", "app.main:app"]\n',
    "backend/requirements.txt": "fastapi\nsqlalchemy\n",
    "backend/app/__init__.py": "",
    "backend/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
}


def compose(api_command: str, db_command: str = "", replicas: int = 1) -> str:
    db_cmd = f"\n    command: {db_command}" if db_command else ""
    return (
        "services:\n"
        f"  db:\n    image: postgres:16{db_cmd}\n"
        f"  api:\n    build: ./backend\n    command: {api_command}\n"
        f"    deploy:\n      replicas: {replicas}\n"
    )


def engine_py(args: str = "") -> str:
    return (
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "POOL = 20\n"
        f'engine = create_async_engine("postgresql+asyncpg://db/app"{args})\n'
    )


def test_over_budget_reports_arithmetic(make_project: MakeProject) -> None:
    project = make_project(
        {
            **BACKEND,
            "backend/app/db.py": engine_py(", pool_size=POOL, max_overflow=10"),
            "docker-compose.yml": compose("gunicorn app.main:app -w 2", replicas=2),
        }
    )
    assert [(e.pool_size, e.max_overflow) for e in sqla_engines(project)] == [(20, 10)]
    ev = KAB205.evaluate(project)
    assert [(f.subject, str(f.location)) for f in ev.findings] == [
        ("docker-compose.yml:db", "backend/app/db.py:3")
    ]
    message = ev.findings[0].message
    assert "api 2 replica(s) x 2 gunicorn worker(s) x (20 + 10) = 120" in message
    assert "> 97 usable of max_connections 100" in message


def test_within_budget_passes(make_project: MakeProject) -> None:
    project = make_project(
        {
            **BACKEND,
            "backend/app/db.py": engine_py(),
            "docker-compose.yml": compose("uvicorn app.main:app --workers 4"),
        }
    )
    ev = KAB205.evaluate(project)
    assert ev.findings == ()
    assert ev.subjects == ("docker-compose.yml:db",)


def test_raised_max_connections(make_project: MakeProject) -> None:
    files = {
        **BACKEND,
        "backend/app/db.py": engine_py(),
        "docker-compose.yml": compose(
            "uvicorn app.main:app --workers 8", db_command="postgres -c max_connections=300"
        ),
    }
    assert KAB205.evaluate(make_project(files)).findings == ()
    files["docker-compose.yml"] = compose(
        "uvicorn app.main:app --workers 8", db_command="postgres -c max_connections=100"
    )
    assert len(KAB205.evaluate(make_project(files)).findings) == 1


def test_unsized_pool_is_skipped(make_project: MakeProject) -> None:
    project = make_project(
        {
            **BACKEND,
            "backend/app/db.py": engine_py(", poolclass=NullPool"),
            "docker-compose.yml": compose("uvicorn app.main:app --workers 16"),
        }
    )
    ev = KAB205.evaluate(project)
    assert ev.findings == ()
    assert "poolclass=NullPool" in ev.skipped["docker-compose.yml:db"]


def test_migrations_engines_do_not_count(make_project: MakeProject) -> None:
    project = make_project(
        {
            **BACKEND,
            "backend/migrations/env.py": engine_py(", pool_size=500"),
            "docker-compose.yml": compose("uvicorn app.main:app --workers 16"),
        }
    )
    assert KAB205.evaluate(project).not_applicable == "no SQLAlchemy engine in the runtime code"
