"""What start-up reaches: create_all / alembic upgrade followed through calls and helpers."""

from __future__ import annotations

from pytest_kabul.checks.migrations.deploy_skips_migrations import check as kab302
from tests.helpers import MakeProject

APP = {
    "backend/pyproject.toml": "[project]\nname = 'fba'\ndependencies = ['sqlalchemy']\n",
    "backend/alembic.ini": "[alembic]\nscript_location = alembic\n",
    "backend/alembic/env.py": "",
    "backend/app/__init__.py": "",
    "backend/app/db.py": (
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "from app.models import Base\n"
        "engine = create_async_engine('postgresql+asyncpg://x')\n"
        "\n"
        "async def create_tables():\n"
        "    async with engine.begin() as conn:\n"
        "        await conn.run_sync(Base.metadata.create_all)\n"
    ),
    "backend/app/models.py": (
        "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase): ...\n"
    ),
    "backend/app/registrar.py": (
        "from contextlib import asynccontextmanager\n"
        "from fastapi import FastAPI\n"
        "from app.db import create_tables\n"
        "\n"
        "@asynccontextmanager\n"
        "async def register_init(app):\n"
        "    await create_tables()\n"
        "    yield\n"
        "\n"
        "def register_app():\n"
        "    return FastAPI(lifespan=register_init)\n"
    ),
    "backend/app/main.py": "from app.registrar import register_app\napp = register_app()\n",
    "backend/app/cli.py": (
        "from app.db import engine\nfrom app.models import Base\n"
        "async def init():\n"
        "    async with engine.begin() as conn:\n"
        "        await conn.run_sync(Base.metadata.create_all)\n"
    ),
    "backend/Dockerfile": "FROM python:3.12\nCOPY . .\nCMD uvicorn app.main:app\n",
}


def test_skip_cites_the_create_all_start_up_reaches(make_project: MakeProject) -> None:
    ev = kab302.evaluate(make_project(APP))
    assert ev.not_applicable == (
        "the app builds its schema with create_all unconditionally"
        " (backend/app/db.py:7, reached from start-up)"
    )


def test_create_all_only_in_a_cli_command_does_not_count(make_project: MakeProject) -> None:
    files = {
        **APP,
        "backend/app/registrar.py": APP["backend/app/registrar.py"].replace(
            "    await create_tables()\n", "    pass\n"
        ),
    }
    ev = kab302.evaluate(make_project(files))
    assert [f.subject for f in ev.findings] == ["backend/Dockerfile"]
    assert ev.findings[0].message.endswith("and the app's start-up never calls create_all")


def test_call_under_an_environment_test_guards_the_helper(make_project: MakeProject) -> None:
    files = {
        **APP,
        "backend/app/registrar.py": APP["backend/app/registrar.py"].replace(
            "    await create_tables()\n",
            "    if settings.ENVIRONMENT == 'dev':\n        await create_tables()\n",
        ),
    }
    ev = kab302.evaluate(make_project(files))
    assert ev.findings[0].message.endswith(
        "and the app skips create_all in production (backend/app/db.py:7)"
    )
