"""runtime_apps: shipped modules production never runs become tooling (other programs' scripts,
dev-profile programs, tool plugins), unless runtime code imports them."""

from __future__ import annotations

from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.programs import runtime_apps
from pytest_kabul.project.python.apps import python_apps
from tests.helpers import MakeProject

API = {
    "api/pyproject.toml": """
        [project]
        name = "api"
        dependencies = ["fastapi", "uvicorn"]

        [dependency-groups]
        docs = ["mkdocs"]
    """,
    "api/Dockerfile": """
        FROM python:3.12-slim
        WORKDIR /app
        COPY . /app
        RUN pip install .
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
    """,
    "api/app/__init__.py": "",
    "api/app/main.py": "from fastapi import FastAPI\nfrom app import jobs\napp = FastAPI()\n",
    "api/app/jobs.py": "def run() -> None: ...\n",
    "api/app/bridge.py": "import os\nimport composio\nURL = os.getenv('BRIDGE_URL')\n",
    "api/app/seed.py": "import faker\n\nif __name__ == '__main__':\n    faker.Faker()\n",
    "api/app/docs_plugin.py": (
        "import mkdocs.plugins\n\nclass Plugin(mkdocs.plugins.BasePlugin): ...\n"
    ),
}
COMPOSE = """
services:
  api:
    build: ./api
    ports: ["8000:8000"]
  bridge:
    image: python:3.13-slim
    command: ["bash", "-c", "pip install composio && python /srv/bridge.py"]
    volumes:
      - ./api/app/bridge.py:/srv/bridge.py:ro
  seed:
    build: ./api
    profiles: ["tools"]
    command: ["python", "-m", "app.seed"]
"""


def _roles(project: Project) -> tuple[dict[str, str], set[str]]:
    app = next(a for a in runtime_apps(project) if a.root == "api")
    return dict(app.file_reasons), set(app.runtime_files)


def test_other_programs_and_tool_plugins_become_tooling(make_project: MakeProject) -> None:
    files = {**API, "docker-compose.yml": COMPOSE}
    files["api/pyproject.toml"] += (
        '\n[project.entry-points."mkdocs.plugins"]\nours = "app.docs_plugin:Plugin"\n'
    )
    project = make_project(files)
    base = next(a for a in python_apps(project) if a.root == "api")
    assert {"api/app/bridge.py", "api/app/seed.py", "api/app/docs_plugin.py"} <= set(
        base.runtime_files
    )
    reasons, runtime = _roles(project)
    assert runtime == {"api/app/__init__.py", "api/app/main.py", "api/app/jobs.py"}
    assert reasons["api/app/bridge.py"] == (
        "run only by docker-compose.yml:bridge (mounted into python:3.13-slim, another program's"
        " container); no runtime module imports it"
    )
    assert reasons["api/app/seed.py"] == (
        "run only by docker-compose.yml:seed (profile tools); no runtime module imports it"
    )
    assert reasons["api/app/docs_plugin.py"].startswith(
        "a mkdocs plugin (entry point ours in [project.entry-points.'mkdocs.plugins']);"
        " the production image does not install mkdocs"
    )


def test_imported_or_production_started_modules_stay_runtime(make_project: MakeProject) -> None:
    files = {**API, "docker-compose.yml": COMPOSE}
    files["api/app/main.py"] += "from app import bridge, docs_plugin\n"
    files["api/pyproject.toml"] = (
        files["api/pyproject.toml"].replace('"uvicorn"]', '"uvicorn", "mkdocs"]')
        + '\n[project.entry-points."mkdocs.plugins"]\nours = "app.docs_plugin:Plugin"\n'
    )
    files["docker-compose.yml"] += (
        '  migrate:\n    build: ./api\n    command: ["python", "-m", "app.seed"]\n'
    )
    project = make_project(files)
    _reasons, runtime = _roles(project)
    assert {"api/app/bridge.py", "api/app/seed.py", "api/app/docs_plugin.py"} <= runtime


def test_a_dev_stack_program_is_tooling_and_mkdocs_hooks_too(make_project: MakeProject) -> None:
    files = {
        **API,
        "api/mkdocs.yml": "site_name: x\nhooks:\n  - app/docs_plugin.py\n",
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n",
        "docker-compose.prod.yml": "services:\n  api:\n    restart: always\n",
        # loaded only by a bare `docker compose up`: the development stack
        "docker-compose.override.yml": (
            "services:\n  seed:\n    build: ./api\n    command: python -m app.seed\n"
        ),
    }
    project = make_project(files)
    reasons, runtime = _roles(project)
    assert "api/app/seed.py" not in runtime
    assert "a development start path" in reasons["api/app/seed.py"]
    assert reasons["api/app/docs_plugin.py"] == (
        "an mkdocs hook listed in api/mkdocs.yml; no runtime module imports it"
    )


def test_a_server_module_run_only_by_a_dev_stack_stays_runtime(make_project: MakeProject) -> None:
    """Only Python programs are demoted: an ASGI module a dev server runs is the app itself (its
    production start may simply not have been recognised)."""
    files = {
        **API,
        "api/app/admin.py": "from fastapi import FastAPI\nimport stripe\napp = FastAPI()\n",
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n",
        "docker-compose.prod.yml": "services:\n  api:\n    restart: always\n",
        "docker-compose.override.yml": (
            "services:\n  admin:\n    build: ./api\n    command: uvicorn app.admin:app --reload\n"
        ),
    }
    _reasons, runtime = _roles(make_project(files))
    assert "api/app/admin.py" in runtime
