"""Process managers in a start path: supervisord programs (with ``[include]`` through the image's
COPY destinations, per build stage) and Procfile runners (honcho, foreman)."""

from __future__ import annotations

from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.process_managers import (
    procfile_runner,
    supervisor_conf,
    supervisor_programs,
)
from pytest_kabul.project.deploy.startpaths import start_paths
from tests.helpers import MakeProject

APP = {
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "backend/__init__.py": "",
    "backend/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    "backend/worker.py": "from celery import Celery\ncelery = Celery()\n",
}
DOCKERFILE = """
ARG SERVER_TYPE=api
FROM python:3.12-slim AS base
RUN apt-get install -y supervisor
COPY . /srv
COPY deploy/supervisor/supervisord.conf /etc/supervisor/supervisord.conf

FROM base AS api
COPY deploy/supervisor/api.conf /etc/supervisor/conf.d/
CMD ["supervisord", "-c", "/etc/supervisor/supervisord.conf"]

FROM base AS worker
COPY deploy/supervisor/worker.conf /etc/supervisor/conf.d/
CMD ["supervisord", "-c", "/etc/supervisor/supervisord.conf"]

FROM ${SERVER_TYPE}
"""
SUPERVISOR = {
    "deploy/supervisor/supervisord.conf": """
        [supervisord]
        nodaemon=true ; stay in the foreground

        [include]
        files = /etc/supervisor/conf.d/*.conf
    """,
    "deploy/supervisor/api.conf": """
        [program:api]
        directory=/srv
        command=/usr/local/bin/uvicorn backend.main:app --host 0.0.0.0
            --port 8000
        autorestart=true
    """,
    "deploy/supervisor/worker.conf": """
        [program:worker]
        command=celery -A backend.worker worker
    """,
}


def _steps(project: Project, subject: str) -> list[tuple[str, ...]]:
    path = next(p for p in start_paths(project) if p.subject == subject)
    return [s.argv for s in path.steps]


def test_supervisord_programs_of_the_final_stage_picked_by_the_global_arg(
    make_project: MakeProject,
) -> None:
    project = make_project({**APP, **SUPERVISOR, "Dockerfile": DOCKERFILE})
    path = next(p for p in start_paths(project) if p.subject == "Dockerfile")
    assert path.server is not None
    assert (path.server.program, path.server.target) == ("uvicorn", "backend.main:app")
    assert path.server_step is not None
    assert str(path.server_step.location) == "deploy/supervisor/api.conf:3"
    assert ("celery", "-A", "backend.worker", "worker") not in _steps(project, "Dockerfile")


def test_compose_build_args_pick_the_stage_and_its_supervisor_programs(
    make_project: MakeProject,
) -> None:
    compose = """
        services:
          api:
            build: .
            ports: ["8000:8000"]
          worker:
            build:
              context: .
              args:
                - SERVER_TYPE=worker
            command:
              - bash
              - -c
              - wait-for-it db:5432 && supervisord -c /etc/supervisor/supervisord.conf
    """
    project = make_project(
        {**APP, **SUPERVISOR, "Dockerfile": DOCKERFILE, "docker-compose.yml": compose}
    )
    worker = _steps(project, "docker-compose.yml:worker")
    assert ("celery", "-A", "backend.worker", "worker") in worker
    assert not any(argv and argv[0].endswith("uvicorn") for argv in worker)
    api = next(p for p in start_paths(project) if p.subject == "docker-compose.yml:api")
    assert api.server is not None
    assert api.server.target == "backend.main:app"


def test_supervisor_include_relative_to_the_main_file(make_project: MakeProject) -> None:
    project = make_project(
        {
            "ops/supervisord.conf": "[include]\nfiles = conf.d/*.ini\n",
            "ops/conf.d/web.ini": "[program:web]\ncommand=gunicorn app:app\n",
            "ops/conf.d/notes.txt": "[program:no]\ncommand=nope\n",
        }
    )
    programs = supervisor_programs(project, "ops/supervisord.conf")
    assert [(p.name, p.command, p.path, p.line) for p in programs] == [
        ("web", "gunicorn app:app", "ops/conf.d/web.ini", 2)
    ]


def test_supervisor_conf_and_procfile_runner_arguments() -> None:
    assert supervisor_conf(["supervisord", "-c", "/x.conf"]) == ["/x.conf"]
    assert supervisor_conf(["/usr/bin/supervisord", "--configuration=/y.conf"]) == ["/y.conf"]
    assert supervisor_conf(["supervisord", "-n"])[0] == "/etc/supervisor/supervisord.conf"
    assert procfile_runner(["honcho", "start"]) == "Procfile"
    assert procfile_runner(["foreman", "start", "-f", "Procfile.prod"]) == "Procfile.prod"
    assert procfile_runner(["honcho", "run", "x"]) is None
    assert procfile_runner(["uvicorn", "start"]) is None


def test_honcho_in_the_image_runs_the_procfile_processes(make_project: MakeProject) -> None:
    project = make_project(
        {
            **APP,
            "Procfile.prod": "release: alembic upgrade head\nweb: gunicorn backend.main:app\n",
            "Dockerfile": """
                FROM python:3.12
                COPY . /app
                CMD ["honcho", "start", "-f", "Procfile.prod"]
            """,
        }
    )
    path = next(p for p in start_paths(project) if p.subject == "Dockerfile")
    assert path.server is not None
    assert path.server.target == "backend.main:app"
    assert ("alembic", "upgrade", "head") not in [s.argv for s in path.steps]


def test_supervisord_without_its_config_in_the_project_is_one_plain_step(
    make_project: MakeProject,
) -> None:
    project = make_project({**APP, "Dockerfile": 'FROM python:3.12\nCMD ["supervisord", "-n"]\n'})
    assert _steps(project, "Dockerfile") == [("supervisord", "-n")]
