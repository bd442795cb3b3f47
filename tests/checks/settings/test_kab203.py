"""KAB203 env-contract-drift: compose environment / env_file / image ENV / .env.example vs the
Settings class and the app's environment reads. Exact findings."""

from __future__ import annotations

from pathlib import Path

from pytest_kabul.checks.settings.env_contract_drift import check
from pytest_kabul.model import Finding, Location, Severity
from pytest_kabul.project.core import Project
from tests.helpers import build_project

SETTINGS = """\
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")

    database_url: str
    secret_key: str
    debug: bool = False
"""

DATABASE_LINE, SECRET_LINE = 7, 8  # the field lines in SETTINGS

COMPOSE = """\
services:
  api:
    build: ./backend
    env_file: [backend/prod.env]
    environment:
      - APP_DATABASE_URL=postgresql://db/app
      - OLD_FEATURE_FLAG=1
      - WEB_CONCURRENCY=4
      - MAILER_HOST
  worker:
    build:
      context: backend
      dockerfile: Dockerfile.worker
    command: celery -A app.worker worker --concurrency=${CELERY_CONCURRENCY}
    environment:
      APP_DATABASE_URL: postgresql://db/app
      CELERY_CONCURRENCY: "2"
  web:
    image: node:20
    environment: [ANYTHING=1]
"""


def project(tmp_path: Path, **extra: str) -> Project:
    files = {
        "docker-compose.yml": COMPOSE,
        "backend/pyproject.toml": "[project]\nname = 'backend'\n",
        "backend/app/__init__.py": "",
        "backend/app/config.py": SETTINGS,
        "backend/app/mail.py": "import os\n\nHOST = os.getenv('MAILER_HOST')\n",
        "backend/prod.env": "# secrets\nAPP_SECRET_KEY=s3cret-value\nUNUSED_TOKEN=abc\n",
        "backend/Dockerfile": "FROM python:3.12\n",
        "backend/Dockerfile.worker": "FROM python:3.12\nENV APP_SECRET_KEY=from-image TZ=UTC\n",
        "backend/.env.example": (
            "APP_DATABASE_URL=\n# APP_SECRET_KEY is commented out\nMAILER_HOST=\nSTALE_VAR=1\n"
        ),
    }
    files.update(extra)
    return build_project(tmp_path, files)


def finding(subject: str, message: str, remediation: str, path: str, line: int) -> Finding:
    return Finding(
        code="KAB203",
        severity=Severity.WARNING,
        subject=subject,
        message=message,
        remediation=remediation,
        location=Location(path, line),
    )


def test_exact_findings(tmp_path: Path) -> None:
    ev = check.evaluate(project(tmp_path))
    assert ev.findings == (
        finding(
            "api:OLD_FEATURE_FLAG",
            "api is given OLD_FEATURE_FLAG, but no code of backend reads it"
            " (settings layer: Settings in backend/app/config.py (pydantic-settings class))",
            "Remove OLD_FEATURE_FLAG from api in docker-compose.yml, or declare it as a field"
            " of the Settings class of backend and read it from there.",
            "docker-compose.yml",
            7,
        ),
        finding(
            "api:UNUSED_TOKEN",
            "api is given UNUSED_TOKEN, but no code of backend reads it"
            " (settings layer: Settings in backend/app/config.py (pydantic-settings class))",
            "Remove UNUSED_TOKEN from api in backend/prod.env, or declare it as a field of the"
            " Settings class of backend and read it from there.",
            "backend/prod.env",
            3,
        ),
        finding(
            "backend:APP_SECRET_KEY",
            "required setting APP_SECRET_KEY (Settings.secret_key) is missing from"
            " backend/.env.example",
            "Add APP_SECRET_KEY= with a placeholder to backend/.env.example.",
            "backend/app/config.py",
            SECRET_LINE,
        ),
        finding(
            "backend:MAILER_HOST",
            "backend/.env.example documents MAILER_HOST, which no settings layer of backend"
            " declares (read outside the layer; settings layer: Settings in"
            " backend/app/config.py (pydantic-settings class))",
            "Declare MAILER_HOST in the Settings class of backend, or remove it from"
            " backend/.env.example.",
            "backend/.env.example",
            3,
        ),
        finding(
            "backend:STALE_VAR",
            "backend/.env.example documents STALE_VAR, which no settings layer of backend"
            " declares (read by no code; settings layer: Settings in backend/app/config.py"
            " (pydantic-settings class))",
            "Declare STALE_VAR in the Settings class of backend, or remove it from"
            " backend/.env.example.",
            "backend/.env.example",
            4,
        ),
    )
    assert "api:WEB_CONCURRENCY" in ev.subjects  # checked, a runtime variable: a pass
    assert "worker:CELERY_CONCURRENCY" in ev.subjects  # read by the start command
    assert "worker:APP_SECRET_KEY" in ev.subjects  # given by the image's ENV
    assert not [s for s in ev.subjects if s.startswith("web:")]  # not a Python app
    assert "s3cret" not in repr(ev.findings)


def test_required_setting_not_given(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    build: ./backend\n    environment: [APP_DEBUG=1]\n"
    ev = check.evaluate(project(tmp_path, **{"docker-compose.yml": compose}))
    missing = [f for f in ev.findings if f.subject.startswith("api:")]
    assert missing == [
        finding(
            "api:APP_DATABASE_URL",
            "required setting APP_DATABASE_URL (Settings.database_url, no default) is not"
            " given to api by compose, its env_file or its image",
            "Pass APP_DATABASE_URL to api in docker-compose.yml (environment: or env_file:),"
            " or give the field a safe default.",
            "backend/app/config.py",
            DATABASE_LINE,
        ),
        finding(
            "api:APP_SECRET_KEY",
            "required setting APP_SECRET_KEY (Settings.secret_key, no default) is not"
            " given to api by compose, its env_file or its image",
            "Pass APP_SECRET_KEY to api in docker-compose.yml (environment: or env_file:),"
            " or give the field a safe default.",
            "backend/app/config.py",
            SECRET_LINE,
        ),
    ]


def test_development_stack_and_no_python_service(tmp_path: Path) -> None:
    dev = (
        "services:\n  api:\n    build: ./backend\n    command: uvicorn app:app --reload\n"
        "    environment: [NOT_READ=1]\n"
    )
    ev = check.evaluate(project(tmp_path, **{"docker-compose.yml": dev}))
    assert not [f for f in ev.findings if f.subject.startswith("api:")]
    empty = build_project(
        tmp_path / "empty", {"compose.yml": "services:\n  r:\n    image: redis\n"}
    )
    assert check.evaluate(empty).not_applicable == (
        "no compose service built from a Python app and no .env.example next to one"
    )


def test_uncommitted_env_file_is_read_through_its_template_or_skipped(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    build: ./backend\n    env_file: backend/.env\n"
    with_template = project(tmp_path / "t", **{"docker-compose.yml": compose})
    ev = check.evaluate(with_template)
    # backend/.env is absent; backend/.env.example documents APP_DATABASE_URL only.
    assert [f.subject for f in ev.findings if f.subject.startswith("api:")] == [
        "api:APP_SECRET_KEY"
    ]
    project(tmp_path / "b", **{"docker-compose.yml": compose})
    (tmp_path / "b" / "backend" / ".env.example").unlink()
    ev = check.evaluate(Project(tmp_path / "b"))
    assert [f.subject for f in ev.findings if f.subject.startswith("api:")] == []
    assert dict(ev.skipped) == {
        "api:APP_DATABASE_URL": "api's env_file backend/.env is not in the repository (it may"
        " set APP_DATABASE_URL)",
        "api:APP_SECRET_KEY": "api's env_file backend/.env is not in the repository (it may"
        " set APP_SECRET_KEY)",
    }


def test_compose_interpolation_js_reads_and_untyped_layers_count_as_uses(tmp_path: Path) -> None:
    compose = (
        "services:\n"
        "  api:\n"
        "    build: ./backend\n"
        "    env_file: [backend/prod.env]\n"
        "    environment:\n"
        "      DATABASE_URL: postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@db/app\n"
        "  db:\n"
        "    image: postgres:16\n"
    )
    config = (
        "from starlette.config import Config\n\n"
        "config = Config('.env')\n"
        "DATABASE_URL = config('DATABASE_URL')\n"
        "SECRET_KEY = config('SECRET_KEY')\n"
    )
    ev = check.evaluate(
        build_project(
            tmp_path,
            {
                "docker-compose.yml": compose,
                "backend/pyproject.toml": "[project]\nname = 'backend'\n",
                "backend/app/__init__.py": "",
                "backend/app/config.py": config,
                "backend/prod.env": "POSTGRES_USER=app\nPOSTGRES_PASSWORD=x\nSECRET_KEY=y\n",
                "backend/.env.example": (
                    "DATABASE_URL=\nSECRET_KEY=\nNEXT_PUBLIC_API_URL=\nPOSTGRES_USER=\nGONE=\n"
                ),
                "web/app/page.tsx": "export const api = process.env.NEXT_PUBLIC_API_URL;\n",
            },
        )
    )
    assert [(f.subject, f.message) for f in ev.findings] == [
        (
            "backend:GONE",
            "backend/.env.example documents GONE, which no settings layer of backend declares"
            " (read by no code; settings layer: backend/app/config.py (starlette Config module))",
        )
    ]
