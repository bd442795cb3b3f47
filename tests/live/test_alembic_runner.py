"""How Alembic is run for the live checks: the plan (folder, config, URL variables, driver,
placeholder settings) read statically, and KAB353's round trip on a real embedded Postgres."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_kabul.checks.migrations.migration_roundtrip import check as kab353
from pytest_kabul.config import KabulConfig, LiveConfig
from pytest_kabul.live.alembic_runner import environment, plan_for, scrub
from pytest_kabul.project.core import Project
from pytest_kabul.project.migrations.alembic_envs import alembic_envs
from pytest_kabul.services.postgres import Database, PostgresService
from tests.helpers import PROJECTS, MakeProject

SETTINGS = """
from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    POSTGRES_SERVER: str
    POSTGRES_PORT: int = 5432
    POSTGRES_USER: str
    POSTGRES_PASSWORD: str = ""
    POSTGRES_DB: str = "app"
    SECRET_KEY: str
    FIRST_SUPERUSER_EMAIL: str
    SENTRY_DSN: str
    WORKERS: int
    DEBUG: bool
    ALLOWED_HOSTS: list[str]
    READ_REPLICA_URL: str = Field(default="", alias="REPLICA_DATABASE_URL")
"""
ENV_PY = """
import os
from alembic import context
from app.core.config import settings

url = os.environ.get("MIGRATIONS_DSN") or settings.SQLALCHEMY_DATABASE_URI
"""


def test_plan_reads_settings_parts_env_reads_driver_and_config(make_project: MakeProject) -> None:
    config = KabulConfig(live=LiveConfig(env={"SENTRY_DSN": "https://k@sentry.invalid/1"},
                                         database_env="APP_DB"))  # fmt: skip
    project = make_project(
        {
            "backend/pyproject.toml": "[project]\nname = 'app'\n",
            "backend/alembic.ini": "[alembic]\nscript_location = app/alembic\n",
            "backend/app/__init__.py": "",
            "backend/app/core/__init__.py": "",
            "backend/app/core/config.py": SETTINGS,
            "backend/app/core/db.py": 'URL = f"postgresql+psycopg://{user}@{host}/{db}"\n',
            "backend/app/alembic/env.py": ENV_PY,
            "backend/app/alembic/versions/a.py": "revision = 'a'\ndown_revision = None\n",
            "backend/Dockerfile": 'FROM python:3.12\nWORKDIR /app\nCMD ["sh", "-c",'
            ' "alembic upgrade head && fastapi run app/main.py"]\n',
        },
        config=config,
    )
    (env,) = alembic_envs(project)
    plan = plan_for(project, env)
    assert plan.cwd == project.root / "backend"
    assert (plan.config, plan.name, plan.driver) == ("alembic.ini", None, "psycopg")
    assert plan.url_vars == ("APP_DB", "DATABASE_URL", "MIGRATIONS_DSN", "REPLICA_DATABASE_URL")
    assert plan.part_vars == {
        "host": ("POSTGRES_SERVER",),
        "name": ("POSTGRES_DB",),
        "password": ("POSTGRES_PASSWORD",),
        "port": ("POSTGRES_PORT",),
        "user": ("POSTGRES_USER",),
    }
    assert sorted(plan.extra_env) == [
        "ALLOWED_HOSTS",
        "DEBUG",
        "FIRST_SUPERUSER_EMAIL",
        "SECRET_KEY",
        "SENTRY_DSN",
        "WORKERS",
    ]
    assert plan.extra_env["SENTRY_DSN"] == "https://k@sentry.invalid/1"  # [tool.kabul.live.env]
    assert plan.extra_env["FIRST_SUPERUSER_EMAIL"] == "kabul@example.com"
    assert (plan.extra_env["DEBUG"], plan.extra_env["WORKERS"]) == ("false", "1")
    assert plan.extra_env["ALLOWED_HOSTS"] == "[]"

    db = Database("kabul_x", "127.0.0.1", 6543, "postgres")
    env_vars = environment(plan, db)
    assert env_vars["MIGRATIONS_DSN"] == "postgresql+psycopg://postgres@127.0.0.1:6543/kabul_x"
    assert (env_vars["POSTGRES_SERVER"], env_vars["POSTGRES_PORT"]) == ("127.0.0.1", "6543")
    assert (env_vars["POSTGRES_DB"], env_vars["POSTGRES_PASSWORD"]) == ("kabul_x", "")


def test_the_callers_database_variables_never_reach_the_subprocess(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod:secret@prod-db/app")
    monkeypatch.setenv("POSTGRES_HOST", "prod-db")
    monkeypatch.setenv("PGPASSWORD", "secret")
    project = make_project({"alembic.ini": "[alembic]\nscript_location = m\n", "m/env.py": ""})
    plan = plan_for(project, alembic_envs(project)[0])
    env_vars = environment(plan, Database("kabul_y", "127.0.0.1", 5432, "postgres"))
    assert env_vars["DATABASE_URL"].endswith("@127.0.0.1:5432/kabul_y")
    assert "POSTGRES_HOST" not in env_vars
    assert "PGPASSWORD" not in env_vars
    assert "secret" not in "".join(env_vars.values())


def test_scrub_hides_passwords_and_known_secrets() -> None:
    text = "could not connect to postgresql://app:hunter22@db/x with key abcdef123"
    assert (
        scrub(text, ["abcdef123"]) == "could not connect to postgresql://app:***@db/x with key ***"
    )


@pytest.fixture(scope="module")
def embedded() -> Iterator[PostgresService]:
    with PostgresService.embedded() as service:
        yield service


@pytest.mark.live
def test_kab353_round_trip_passes_and_reports_a_downgrade_that_leaves_a_type(
    embedded: PostgresService, tmp_path: Path
) -> None:
    good = tmp_path / "good"
    shutil.copytree(PROJECTS / "migrations_healthy", good)
    project = Project(good)
    result = kab353.run_live(project, "backend/alembic.ini", {"kabul_postgres": embedded})
    assert result.findings == ()

    bad = tmp_path / "bad"
    shutil.copytree(PROJECTS / "migrations_healthy", bad)
    first = bad / "backend/alembic/versions/0001_initial.py"
    first.write_text(
        first.read_text().replace(
            '    sa.Enum(name="userrole").drop(op.get_bind(), checkfirst=True)\n', ""
        )
    )
    (finding,) = kab353.run_live(
        Project(bad), "backend/alembic.ini", {"kabul_postgres": embedded}
    ).findings
    assert finding.message == (
        "migration round trip fails while upgrading again after the downgrade at revision"
        " 1a2b3c4d5e6f"
    )
    assert finding.location is not None
    assert finding.location.path == "backend/alembic/versions/0001_initial.py"
    assert 'type "userrole" already exists' in finding.evidence[0].text
    assert embedded.kabul_databases() == []


def test_migrations_dir_setting_chooses_the_folder_alembic_runs_from(
    make_project: MakeProject,
) -> None:
    config = KabulConfig(live=LiveConfig(migrations_dir="./deploy"))
    project = make_project(
        {"db/alembic.ini": "[alembic]\nscript_location = m\n", "db/m/env.py": "", "deploy/x": ""},
        config=config,
    )
    plan = plan_for(project, alembic_envs(project)[0])
    assert (plan.cwd, plan.config) == (project.root / "deploy", "../db/alembic.ini")


@pytest.mark.live
def test_an_env_py_that_migrates_another_database_is_a_safety_error(
    embedded: PostgresService, tmp_path: Path
) -> None:
    """env.py hard-codes its URL: Alembic reaches head, but not in the plugin's database."""
    from pytest_kabul.checks.migrations.migrations_fail_from_empty_db import check as kab351
    from pytest_kabul.errors import SafetyError

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "migrations_healthy", root)
    env_py = root / "backend/alembic/env.py"
    with embedded.database() as other:
        env_py.write_text(
            env_py.read_text().replace(
                'config.set_main_option("sqlalchemy.url", settings.DATABASE_URL)',
                f'config.set_main_option("sqlalchemy.url", "{other.url("asyncpg")}")',
            )
        )
        with pytest.raises(SafetyError, match="saw no migration: it migrated some other"):
            kab351.run_live(Project(root), "backend/alembic.ini", {"kabul_postgres": embedded})
        assert embedded.execute("SELECT count(*) FROM alembic_version", dbname=other.name) == [(1,)]


def test_env_py_packages_above_the_run_folder_go_on_sys_path(make_project: MakeProject) -> None:
    """A second ``alembic.ini`` inside the app package (``backend/app/alembic.ini``, run from
    ``backend/app``) whose ``env.py`` imports ``app``: ``backend`` goes on ``sys.path``."""
    env_py = "from alembic import context\nimport sqlalchemy\nfrom app.db import Base\n"
    project = make_project(
        {
            "backend/app/alembic.ini": "[alembic]\nscript_location = alembic\n",
            "backend/app/__init__.py": "",
            "backend/app/db.py": "Base = None\n",
            "backend/app/alembic/__init__.py": "",
            "backend/app/alembic/env.py": env_py,
            "backend/app/alembic/versions/a.py": "revision = 'a'\ndown_revision = None\n",
        }
    )
    plan = plan_for(project, alembic_envs(project)[0])
    assert plan.cwd == project.root / "backend/app"
    assert plan.sys_path == (project.root / "backend",)  # not for alembic (found in cwd)


@pytest.mark.live
def test_a_migrations_package_named_alembic_and_plugin_modules_shadow_nothing(
    embedded: PostgresService, tmp_path: Path
) -> None:
    """``backend/alembic/__init__.py`` makes the migrations folder a package named ``alembic``
    (the library must still load), and env.py importing ``redis`` gets the library, not the
    plugin's own ``live/redis.py`` next to the helper script."""
    from pytest_kabul.checks.migrations.migrations_fail_from_empty_db import check as kab351

    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "migrations_healthy", root)
    (root / "backend/alembic/__init__.py").write_text("")
    env_py = root / "backend/alembic/env.py"
    env_py.write_text("import redis\n\nassert hasattr(redis, 'Redis')\n" + env_py.read_text())
    result = kab351.run_live(Project(root), "backend/alembic.ini", {"kabul_postgres": embedded})
    assert result.findings == ()


def test_a_changed_column_names_its_table_and_column() -> None:
    from pytest_kabul.live.alembic_helper import _describe

    diff = ("modify_nullable", None, "user", "is_active", {"existing_type": "BOOLEAN"}, False, True)
    assert _describe([diff]) == (
        "modify_nullable user.is_active: False in the database, True in the models"
    )
