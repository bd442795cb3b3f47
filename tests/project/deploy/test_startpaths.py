"""start_paths: every production start path, its commands, server and migration; and KAB302."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_kabul.checks.migrations.deploy_skips_migrations import check as kab302
from pytest_kabul.model import Severity
from pytest_kabul.project import shell as sh
from pytest_kabul.project.deploy.model import StartPath
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.migrations.schema_bootstrap import schema_bootstrap
from tests.helpers import MakeProject, build_project

GUARDED_MAIN = """
from contextlib import asynccontextmanager
from app.db import Base, engine
from app.config import settings

@asynccontextmanager
async def lifespan(app):
    if settings.ENVIRONMENT != "production":
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    yield
"""
BACKEND = {
    "backend/pyproject.toml": "[project]\nname = 'shop'\n",
    "backend/alembic.ini": "[alembic]\nscript_location = alembic\n",
    "backend/alembic/env.py": "",
    "backend/alembic/versions/a.py": "revision = 'a'\ndown_revision = None\n",
    "backend/app/__init__.py": "",
    "backend/app/main.py": GUARDED_MAIN,
}


def row(path: StartPath) -> tuple[str, str, str, str | None, str | None]:
    server = path.server
    migration = path.migration
    return (
        path.subject,
        path.kind.value,
        str(path.location),
        f"{server.program} {server.target}" if server else None,
        f"{migration.via}: {migration.description} @ {migration.location}" if migration else None,
    )


def test_dockerfile_entrypoint_script_exec_and_stage_inheritance(make_project: MakeProject) -> None:
    project = make_project(
        {
            **BACKEND,
            "backend/Dockerfile": """
                FROM python:3.12-slim AS base
                WORKDIR /app
                ENTRYPOINT ["/app/scripts/entrypoint.sh"]
                CMD ["gunicorn", "app.main:create_app()", "-k", "uvicorn.workers.UvicornWorker", \\
                     "-w", "4"]

                FROM base AS prod
                COPY . .
            """,
            "backend/scripts/entrypoint.sh": """
                #!/bin/sh
                set -e
                if [ "$RUN_MIGRATIONS" = "1" ]; then
                  bash ./scripts/prestart.sh
                fi
                exec "$@"
            """,
            "backend/scripts/prestart.sh": "python prestart.py\n",
            "backend/prestart.py": """
                from alembic.config import Config
                from alembic import command
                command.upgrade(Config("alembic.ini"), "head")
            """,
        },
    )
    (path,) = start_paths(project)
    assert row(path) == (
        "backend/Dockerfile",
        "dockerfile",
        "backend/Dockerfile:4",
        "gunicorn app.main:create_app()",
        "command: alembic.command.upgrade in backend/prestart.py @ backend/prestart.py:3",
    )
    assert path.workdir == "/app"
    assert path.server is not None
    assert path.server.workers == 4
    assert [s.argv[0] for s in path.steps] == [
        "/app/scripts/entrypoint.sh",
        "bash",
        "python",
        "gunicorn",
    ]


def test_compose_override_depends_on_and_production_model(make_project: MakeProject) -> None:
    project = make_project(
        {
            **BACKEND,
            "backend/Dockerfile": (
                'FROM python:3.12\nCMD sh -c "alembic upgrade head && uvicorn app.main:app"\n'
            ),
            "docker-compose.yml": """
                services:
                  web:
                    build: ./backend
                    command: ["uvicorn", "app.main:app", "--factory", "--workers", "2"]
                  image_default:
                    build: {context: backend}
                  migrate:
                    build: ./backend
                    command: python -m alembic upgrade head
                  api:
                    build: ./backend
                    command: uvicorn app.main:app
                    depends_on:
                      migrate: {condition: service_completed_successfully}
                  db:
                    image: postgres:16
            """,
            "docker-compose.prod.yml": """
                services:
                  image_default:
                    command: uvicorn app.main:app --proxy-headers
            """,
        },
    )
    paths = start_paths(project)
    prod = "docker-compose.yml+docker-compose.prod.yml"
    assert [row(p) for p in paths if p.production] == [
        (
            "backend/Dockerfile",
            "dockerfile",
            "backend/Dockerfile:2",
            "uvicorn app.main:app",
            "command: alembic upgrade head @ backend/Dockerfile:2",
        ),
        (
            f"{prod}:api",
            "compose",
            "docker-compose.yml:12",
            "uvicorn app.main:app",
            "depends_on migrate: alembic upgrade head @ docker-compose.yml:9",
        ),
        (
            f"{prod}:image_default",
            "compose",
            "docker-compose.prod.yml:3",
            "uvicorn app.main:app",
            None,
        ),
        (
            f"{prod}:migrate",
            "compose",
            "docker-compose.yml:9",
            None,
            "command: alembic upgrade head @ docker-compose.yml:9",
        ),
        (f"{prod}:web", "compose", "docker-compose.yml:4", "uvicorn app.main:app", None),
    ]
    dev = [p for p in paths if not p.production]
    assert [(p.subject, row(p)[4]) for p in dev] == [
        (
            "docker-compose.yml:api",
            "depends_on migrate: alembic upgrade head @ docker-compose.yml:9",
        ),
        (
            "docker-compose.yml:image_default",
            "command: alembic upgrade head @ docker-compose.yml:5",
        ),
        ("docker-compose.yml:migrate", "command: alembic upgrade head @ docker-compose.yml:9"),
        ("docker-compose.yml:web", None),
    ]
    web = next(p for p in paths if p.subject == f"{prod}:web")
    assert web.server is not None
    assert (web.server.factory, web.server.workers) == (True, 2)
    evaluation = kab302.evaluate(project)
    assert evaluation.subjects == (
        "backend/Dockerfile",
        f"{prod}:api",
        f"{prod}:image_default",
        f"{prod}:web",
    )
    assert [(f.subject, str(f.location)) for f in evaluation.findings] == [
        (f"{prod}:image_default", "docker-compose.prod.yml:3"),
        (f"{prod}:web", "docker-compose.yml:4"),
    ]
    assert evaluation.findings[1].message == (
        f"{prod}:web starts uvicorn app.main:app without `alembic upgrade` running before it,"
        " and the app skips create_all in production (backend/app/main.py:9)"
    )


def test_procfile_paas_k8s_and_ci(make_project: MakeProject) -> None:
    project = make_project(
        {
            **BACKEND,
            "backend/Procfile": "release: alembic upgrade head\nweb: uvicorn app.main:app\n",
            "backend/fly.toml": '[deploy]\nrelease_command = "alembic upgrade head"\n'
            '[processes]\napp = "gunicorn app.main:app -k uvicorn.workers.UvicornWorker"\n',
            "render.yaml": """
                services:
                  - type: web
                    name: api
                    rootDir: backend
                    startCommand: uvicorn app.main:app --host 0.0.0.0
                  - type: worker
                    name: jobs
                    startCommand: python -m app.jobs
            """,
            "railway.json": '{"deploy": {"startCommand": "hypercorn app.main:app",'
            ' "preDeployCommand": ["alembic upgrade head"]}}',
            "heroku.yml": "run:\n  web: fastapi run app/main.py\n",
            "k8s/api.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: api}
                spec:
                  template:
                    spec:
                      initContainers:
                        - name: migrate
                          command: ["alembic", "upgrade", "head"]
                      containers:
                        - name: api
                          command: ["uvicorn", "app.main:app"]
            """,
            ".github/workflows/deploy.yml": """
                name: deploy
                on: push
                jobs:
                  deploy:
                    runs-on: ubuntu-latest
                    steps:
                      - run: |
                          docker compose pull
                          ssh prod "cd app && docker compose run --rm api alembic upgrade head"
            """,
        },
    )
    rows = [row(p) for p in start_paths(project)]
    assert rows == [
        (
            ".github/workflows/deploy.yml:deploy",
            "ci",
            ".github/workflows/deploy.yml:4",
            None,
            "command: alembic upgrade head @ .github/workflows/deploy.yml:4",
        ),
        (
            "backend/Procfile:release",
            "procfile",
            "backend/Procfile:1",
            None,
            "command: alembic upgrade head @ backend/Procfile:1",
        ),
        (
            "backend/Procfile:web",
            "procfile",
            "backend/Procfile:2",
            "uvicorn app.main:app",
            "release phase: alembic upgrade head @ backend/Procfile:1",
        ),
        (
            "backend/fly.toml:app",
            "paas",
            "backend/fly.toml:4",
            "gunicorn app.main:app",
            "release_command: alembic upgrade head @ backend/fly.toml:2",
        ),
        ("heroku.yml:web", "paas", "heroku.yml:2", "fastapi app/main.py", None),
        (
            "k8s/api.yaml:Deployment/api/api",
            "k8s",
            "k8s/api.yaml:11",
            "uvicorn app.main:app",
            "initContainer: alembic upgrade head @ k8s/api.yaml:8",
        ),
        (
            "railway.json:web",
            "paas",
            "railway.json:1",
            "hypercorn app.main:app",
            "preDeployCommand: alembic upgrade head @ railway.json:1",
        ),
        ("render.yaml:api", "paas", "render.yaml:3", "uvicorn app.main:app", None),
    ]
    assert sorted(f.subject for f in kab302.evaluate(project).findings) == [
        "heroku.yml:web",
        "render.yaml:api",
    ]


def test_lifespan_upgrade_covers_the_server(make_project: MakeProject) -> None:
    main = GUARDED_MAIN.replace(
        "    yield\n",
        "    else:\n        from alembic import command\n"
        '        command.upgrade(alembic_cfg, "head")\n    yield\n',
    )
    project = make_project(
        {**BACKEND, "backend/app/main.py": main, "backend/Procfile": "web: uvicorn app.main:app\n"},
    )
    (path,) = start_paths(project)
    assert row(path)[4] == "lifespan: alembic.command.upgrade @ backend/app/main.py:12"
    assert kab302.evaluate(project).findings == ()


def test_kab302_does_not_apply_without_alembic_or_with_unconditional_create_all(
    tmp_path: Path,
) -> None:
    no_alembic = build_project(tmp_path / "a", {"Procfile": "web: uvicorn app:app\n"})
    assert kab302.evaluate(no_alembic).not_applicable == (
        "no Alembic environment, so no migration has to run at deploy"
    )
    files = {**BACKEND, "backend/Procfile": "web: uvicorn app.main:app\n"}
    files["backend/app/main.py"] = (
        "from app.db import Base, engine\nBase.metadata.create_all(engine)\n"
    )
    creates = build_project(tmp_path / "b", files)
    assert kab302.evaluate(creates).not_applicable == (
        "the app builds its schema with create_all unconditionally"
        " (backend/app/main.py:2, reached from start-up)"
    )


@pytest.mark.parametrize(
    ("source", "guarded"),
    [
        ('if os.getenv("APP_ENV") != "production":\n    Base.metadata.create_all(engine)\n', True),
        (
            "def init():\n    if settings.is_production:\n        return\n"
            "    Base.metadata.create_all(bind=engine)\n",
            True,
        ),
        ("x = Base.metadata.create_all(engine) if DEBUG else None\n", True),
        ("def init():\n    Base.metadata.create_all(bind=engine)\n", False),
        ("if user_count == 0:\n    Base.metadata.create_all(engine)\n", False),
    ],
)
def test_create_all_guard_detection(make_project: MakeProject, source: str, guarded: bool) -> None:
    project = make_project({"pyproject.toml": "[project]\nname='x'\n", "db.py": source})
    (found,) = schema_bootstrap(project).create_all
    assert found.guarded is guarded


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "80"],
            ("uvicorn", "app.main:app"),
        ),
        (["python", "-m", "uvicorn", "--factory", "pkg:make"], ("uvicorn", "pkg:make")),
        (["gunicorn", "-w", "3", "-b", ":80", "app.main:app"], ("gunicorn", "app.main:app")),
        (["fastapi", "run", "--workers", "4", "app/main.py"], ("fastapi", "app/main.py")),
        (["hypercorn", "--bind", "0.0.0.0:80", "app.asgi:app"], ("hypercorn", "app.asgi:app")),
        (["celery", "-A", "app.worker", "worker"], None),
    ],
)
def test_server_commands(argv: list[str], expected: tuple[str, str] | None) -> None:
    found = sh.server(sh.normalise(argv))
    actual = (found.program, found.target) if found else None
    assert actual == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["alembic", "upgrade", "head"], "alembic upgrade head"),
        (
            ["alembic", "-c", "/app/alembic.ini", "upgrade", "heads"],
            "alembic -c /app/alembic.ini upgrade heads",
        ),
        (["poetry", "run", "python", "-m", "alembic", "upgrade", "head"], "alembic upgrade head"),
        (["uv", "run", "--frozen", "flask", "db", "upgrade"], "flask db upgrade"),
        (["alembic", "downgrade", "-1"], None),
        (["alembic", "current"], None),
    ],
)
def test_migration_commands(argv: list[str], expected: str | None) -> None:
    assert sh.migration(sh.normalise(argv)) == expected


def test_an_image_deployed_by_a_migrating_compose_service_counts_as_migrated(
    make_project: MakeProject,
) -> None:
    """The full-stack-fastapi-template layout: a one-shot prestart service runs the migration."""
    project = make_project(
        {
            **BACKEND,
            "backend/Dockerfile": 'FROM python:3.12\nCMD ["fastapi", "run", "--workers", "4",'
            ' "app/main.py"]\n',
            "backend/scripts/prestart.sh": "set -e\npython app/pre.py\nalembic upgrade head\n",
            "docker-compose.yml": """
                services:
                  prestart:
                    build: {context: ./backend}
                    command: bash scripts/prestart.sh
                  backend:
                    build: {context: ./backend}
                    depends_on:
                      prestart: {condition: service_completed_successfully}
            """,
        },
    )
    assert [row(p)[::4] for p in start_paths(project)] == [
        (
            "backend/Dockerfile",
            "docker-compose.yml:backend (depends_on prestart): alembic upgrade head"
            " @ backend/scripts/prestart.sh:3",
        ),
        (
            "docker-compose.yml:backend",
            "depends_on prestart: alembic upgrade head @ backend/scripts/prestart.sh:3",
        ),
        (
            "docker-compose.yml:prestart",
            "command: alembic upgrade head @ backend/scripts/prestart.sh:3",
        ),
    ]
    assert kab302.evaluate(project).findings == ()


def test_start_path_and_asgi_readings_of_a_subshell_start_agree(make_project: MakeProject) -> None:
    """One start-command model: KAB302's start path and the ASGI/process facts (KAB401/451)
    read ``sh -c "(cd backend && exec uvicorn … --workers 4)"`` the same way."""
    from pytest_kabul.project.deploy.asgi import asgi_apps, server_commands
    from pytest_kabul.project.deploy.processes import process_facts

    project = make_project(
        {
            **BACKEND,
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /srv
                WORKDIR /srv
                CMD ["sh", "-c", "(cd backend && exec uvicorn app.main:app --workers 4)"]
            """,
        },
    )
    (path,) = start_paths(project)
    assert path.server is not None
    assert (path.server.program, path.server.target, path.server.workers) == (
        "uvicorn",
        "app.main:app",
        4,
    )
    (found,) = server_commands(project)
    assert found.command == path.server
    assert [(f.count, f.description) for f in process_facts(project)] == [
        (4, "uvicorn --workers 4")
    ]
    assert [a.target for a in asgi_apps(project)] == ["app.main:app"]
    assert sh.split("sh -c '(cd backend && exec uvicorn app:app)' # start") == [
        ["sh", "-c", "(cd backend && exec uvicorn app:app)"]
    ]
    assert sh.split("pip install 'x @ git+https://h/x.git#egg=x' # pinned") == [
        ["pip", "install", "x @ git+https://h/x.git#egg=x"]
    ]


def test_one_shot_migration_service_not_awaited_is_a_race_warning(
    make_project: MakeProject,
) -> None:
    """A migrate service the server depends_on only with service_started (or the list form)
    migrates on every deploy but can finish after the server serves: WARNING, not ERROR; with
    service_completed_successfully it passes."""
    compose = """
        services:
          migrate:
            build: ./backend
            command: alembic upgrade head
          api:
            build: ./backend
            command: uvicorn app.main:app
            depends_on:
              migrate: {condition: service_started}
          worker_api:
            build: ./backend
            command: uvicorn app.main:app --port 8001
            depends_on: [migrate]
          ok_api:
            build: ./backend
            command: uvicorn app.main:app --port 8002
            depends_on:
              migrate: {condition: service_completed_successfully}
    """
    project = make_project({**BACKEND, "docker-compose.yml": compose})
    by_subject = {p.subject: p for p in start_paths(project)}
    api = by_subject["docker-compose.yml:api"].migration
    assert api is not None
    assert (api.via, api.awaited) == ("depends_on migrate (service_started, not awaited)", False)
    ok = by_subject["docker-compose.yml:ok_api"].migration
    assert ok is not None
    assert (ok.via, ok.awaited) == ("depends_on migrate", True)
    findings = {f.subject: f for f in kab302.evaluate(project).findings}
    assert sorted(findings) == ["docker-compose.yml:api", "docker-compose.yml:worker_api"]
    race = findings["docker-compose.yml:api"]
    assert race.severity is Severity.WARNING
    assert race.message == (
        "docker-compose.yml:api starts uvicorn while the one-shot service migrate runs `alembic"
        " upgrade head` (docker-compose.yml:4), but depends_on does not wait for it to finish,"
        " so the server can serve requests before the schema is migrated"
    )
    assert race.remediation == (
        "In docker-compose.yml, make service api wait for it: depends_on: {migrate: {condition:"
        " service_completed_successfully}}."
    )
