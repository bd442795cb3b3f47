"""KAB506 docs-exposed-in-production: docs/redoc/openapi states of served FastAPI apps."""

from __future__ import annotations

from pytest_kabul.checks.deployment import docs_exposed_in_production
from pytest_kabul.registry import Evaluation
from tests.helpers import MakeProject

KAB506 = docs_exposed_in_production.check


def evaluate(
    make_project: MakeProject, main: str, extra: dict[str, str] | None = None
) -> Evaluation:
    files = {
        "backend/requirements.txt": "fastapi\nuvicorn\npydantic-settings\n",
        "backend/Dockerfile": (
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
            'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n'
        ),
        "backend/app/__init__.py": "",
        "backend/app/main.py": main,
        **(extra or {}),
    }
    return KAB506.evaluate(make_project(files))


def test_docs_guarded_but_schema_left_enabled(make_project: MakeProject) -> None:
    ev = evaluate(
        make_project,
        "import os\nfrom fastapi import FastAPI\n"
        "prod = os.environ.get('ENVIRONMENT') == 'production'\n"
        "app = FastAPI(docs_url=None if prod else '/docs', redoc_url=None if prod else '/redoc')\n",
    )
    assert [(f.subject, str(f.location)) for f in ev.findings] == [
        ("backend/app/main.py:app", "backend/app/main.py:4")
    ]
    message = ev.findings[0].message
    assert message.startswith("openapi_url stays enabled (FastAPI's default /openapi.json)")
    assert "docs_url is guarded" in message
    assert "redoc_url is guarded" in message


def test_docs_disabled_schema_enabled(make_project: MakeProject) -> None:
    ev = evaluate(
        make_project,
        "from fastapi import FastAPI\napp = FastAPI(docs_url=None, redoc_url=None)\n",
    )
    assert len(ev.findings) == 1
    assert "docs_url is disabled (None) and redoc_url is disabled (None)" in ev.findings[0].message


def test_everything_enabled_without_guard(make_project: MakeProject) -> None:
    ev = evaluate(make_project, "from fastapi import FastAPI\napp = FastAPI(title='x')\n")
    assert [f.message for f in ev.findings] == [
        "docs and schema are served with no production guard: docs_url (FastAPI's default"
        " /docs), redoc_url (FastAPI's default /redoc), openapi_url (FastAPI's default"
        " /openapi.json)"
    ]


def test_schema_guarded_passes(make_project: MakeProject) -> None:
    main = (
        "from fastapi import FastAPI\nfrom app.config import settings\n"
        "openapi = '/openapi.json'\n"
        "if settings.ENVIRONMENT == 'production':\n    openapi = None\n"
        "app = FastAPI(openapi_url=openapi)\n"
    )
    config = {
        "backend/app/config.py": (
            "from pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n    ENVIRONMENT: str = 'local'\n"
            "settings = Settings()\n"
        )
    }
    ev = evaluate(make_project, main, config)
    assert ev.findings == ()
    assert ev.subjects == ("backend/app/main.py:app",)


def test_settings_validator_disables_schema(make_project: MakeProject) -> None:
    main = (
        "from fastapi import FastAPI\nfrom app.config import settings\n"
        "def create_app():\n"
        "    return FastAPI(docs_url=settings.DOCS_URL, openapi_url=settings.OPENAPI_URL)\n"
        "app = create_app()\n"
    )
    config = {
        "backend/app/config.py": (
            "from pydantic import model_validator\n"
            "from pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n"
            "    ENVIRONMENT: str = 'dev'\n    DOCS_URL: str = '/docs'\n"
            "    OPENAPI_URL: str | None = '/openapi.json'\n"
            "    @model_validator(mode='before')\n"
            "    @classmethod\n"
            "    def hide(cls, values):\n"
            "        if values.get('ENVIRONMENT') == 'prod':\n"
            "            values['OPENAPI_URL'] = None\n"
            "        return values\n"
            "settings = Settings()\n"
        )
    }
    ev = evaluate(make_project, main, config)
    assert ev.findings == ()
    assert ev.subjects == ("backend/app/main.py:create_app",)


def test_unresolved_kwargs_cannot_be_judged(make_project: MakeProject) -> None:
    ev = evaluate(make_project, "from fastapi import FastAPI\napp = FastAPI(**make_kwargs())\n")
    assert ev.findings == ()
    assert ev.skipped == {
        "backend/app/main.py:app": "cannot judge: openapi_url is computed at run time"
        " (**make_kwargs())"
    }


def test_helper_instance_never_used_is_not_judged(make_project: MakeProject) -> None:
    main = "from fastapi import FastAPI\napp = FastAPI(openapi_url=None)\n"
    extra = {"backend/app/mock.py": "from fastapi import FastAPI\nmock = FastAPI()\n"}
    ev = evaluate(make_project, main, extra)
    assert ev.findings == ()
    assert ev.subjects == ("backend/app/main.py:app",)
