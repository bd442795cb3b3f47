"""After the replicas ran: databases named in their log that the plugin did not provide, and
where the app's start-up builds its schema (the static half of the after-the-fact check)."""

from __future__ import annotations

from pytest_kabul.live.witness import Ours, foreign_targets, startup_schema_site
from pytest_kabul.project.deploy.asgi import asgi_apps
from tests.conftest import MakeProject

OURS = Ours(
    servers=frozenset({("127.0.0.1", 54321), ("127.0.0.1", 6390), ("127.0.0.1", 9)}),
    databases=frozenset({"kabul_0123456789ab", "3"}),
)


def test_urls_of_the_throwaway_servers_are_ours() -> None:
    log = (
        "INFO engine postgresql+asyncpg://kabul:***@127.0.0.1:54321/kabul_0123456789ab\n"
        "INFO cache redis://localhost:6390/3 ready\n"
        "db: *** (masked)\nplaceholder postgresql://kabul@127.0.0.1:9/kabul\n"
        "INFO Uvicorn running on http://127.0.0.1:8000\n"
    )
    assert foreign_targets(log, OURS) == []


def test_other_servers_and_databases_are_named_without_credentials() -> None:
    log = (
        "connecting to postgresql://admin:hunter2-secret@10.0.0.5/shop\n"
        "using postgresql+psycopg://postgres@127.0.0.1:54321/sentinel_db\n"
        'reporting store "sqlite:///./reports.db"\n'
        "broker redis://127.0.0.1:6379/0\n"
        'connection to server at "db.internal" (10.1.2.3), port 5432 failed: timeout\n'
        "OSError: Connect call failed ('127.0.0.1', 5433)\n"
        "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.\n"
    )
    found = foreign_targets(log, OURS)
    assert found == [
        "127.0.0.1:5433",
        "a SQLite database (Alembic's Context impl SQLiteImpl)",
        "db.internal:5432",
        "postgresql+psycopg://127.0.0.1:54321/sentinel_db",
        "postgresql://10.0.0.5:5432/shop",
        "redis://127.0.0.1:6379/0",
        "sqlite:///./reports.db",
    ]
    assert not any("hunter2" in f or "admin" in f for f in found)


def test_postgres_impl_and_connection_errors_to_our_server_are_ours() -> None:
    log = (
        "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n"
        'connection to server at "127.0.0.1", port 54321 failed: FATAL\n'
    )
    assert foreign_targets(log, OURS) == []


MAIN = """
from contextlib import asynccontextmanager
from fastapi import FastAPI
from app.db import Base, engine


@asynccontextmanager
async def lifespan(app: FastAPI):
    {body}
    yield


app = FastAPI(lifespan=lifespan)
"""
DB = "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase): pass\nengine = 1\n"


def test_start_up_schema_sites_are_unguarded_create_all_and_upgrades(
    make_project: MakeProject,
) -> None:
    def site(body: str, log: str = "") -> str | None:
        project = make_project(
            {
                "backend/pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi"]\n',
                "backend/app/__init__.py": "",
                "backend/app/db.py": DB,
                "backend/app/main.py": MAIN.format(body=body),
            }
        )
        (app,) = asgi_apps(project)
        return startup_schema_site(project, app, log)

    assert site("Base.metadata.create_all(engine)") == "backend/app/main.py:8"
    guarded = "if settings.ENVIRONMENT != 'production':\n        Base.metadata.create_all(engine)"
    assert site(guarded) is None
    assert site("pass") is None
    assert site("pass", log="INFO Running upgrade  -> 1a2b") == "its log shows schema work"
