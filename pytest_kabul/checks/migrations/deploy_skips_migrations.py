"""KAB302 deploy-skips-migrations: a production start path starts the server unmigrated.

What it checks
    Every production start path (``start_paths``): Dockerfile ``CMD``/``ENTRYPOINT`` and the
    scripts they call, compose ``command:``/``entrypoint:`` (which override the image's CMD),
    Procfile processes, ``fly.toml``, ``render.yaml``, ``railway``, ``nixpacks``, ``heroku.yml``,
    Kubernetes workloads and deploy workflows; in a repository with none of these, a launcher
    script at the top of the repository or of an app whose ``__main__`` block starts the server
    in process (``python run.py`` calling ``uvicorn.run``; not with ``reload=True``), the one way
    it can start. A path that starts an ASGI/WSGI server passes
    when ``alembic upgrade`` runs before the server: in its own command sequence, in a release
    or pre-deploy phase, in a compose one-shot service it ``depends_on`` (``condition:
    service_completed_successfully``), an initContainer or migration Job, a deploy workflow,
    or the app's start-up calling ``alembic.command.upgrade`` (its lifespan or a startup hook,
    directly or through a helper module), or a separate migration image / PaaS service beside
    it. Only what start-up reaches counts: from the server's entry module, the first-party
    modules it imports, their import-time code, lifespans, startup hooks and the app factory,
    followed through calls. A path whose app builds its schema there with an unconditional
    ``create_all`` is skipped (citing that call); a ``create_all`` in a CLI command, a
    seed/reset script or an unused helper does not count. A server whose start-up reaches no
    SQLAlchemy, Alembic or SQL driver code is not a subject. A production image whose ``CMD``
    runs ``--reload`` is still judged, and the finding says the reloader is a defect too. A
    one-shot migration service the server depends on without ``service_completed_successfully``
    (list form, ``service_started``) migrates on every deploy but races the server's start: a
    WARNING.

Why it matters
    With ``create_all`` skipped in production the schema exists only if Alembic ran. A path
    that starts uvicorn without it serves 500s on the first query ("relation does not
    exist"), or runs new code against an old schema after every deploy.

Example
    ``docker-compose.yml:14 docker-compose.yml:backend starts uvicorn app.main:app without
    alembic upgrade running before it``

Before
    ``docker-compose.yml``::

        services:
          api:
            build: .
            command: uvicorn app.main:app --host 0.0.0.0

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

    ``requirements.txt``::

        fastapi
        sqlalchemy
        alembic

    ``alembic.ini``::

        [alembic]
        script_location = alembic

    ``alembic/env.py``::

        from alembic import context

    ``alembic/versions/1a2b_users.py``::

        revision = "1a2b"
        down_revision = None

    ``app/db.py``::

        from sqlalchemy import create_engine

        engine = create_engine("postgresql://app@db/app")

    ``app/main.py``::

        from fastapi import FastAPI

        from app.db import engine

        app = FastAPI()

After
    ``docker-compose.yml``::

        services:
          api:
            build: .
            command: sh -c "alembic upgrade head && uvicorn app.main:app --host 0.0.0.0"

Fix
    Run ``alembic upgrade head`` before the server in that path: a prestart script
    (``alembic upgrade head && exec uvicorn …``), a release phase, or a one-shot ``migrate``
    service the app ``depends_on`` with ``condition: service_completed_successfully``.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Finding, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.model import StartPath
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.deploy.startup import startup_schema
from pytest_kabul.project.migrations.alembic_envs import alembic_envs
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB302",
    name="deploy-skips-migrations",
    area=Area.MIGRATIONS,
    severity=Severity.ERROR,
    summary="A production start path starts the server without `alembic upgrade` before it.",
    doc=__doc__,
)


def _remediation(path: StartPath) -> str:
    where = path.location.path
    if path.kind.value == "compose":
        return (
            f"Run `alembic upgrade head` before the server in {where} (service"
            f' {path.subject.rsplit(":", 1)[-1]}): e.g. `command: sh -c "alembic upgrade head &&'
            ' exec uvicorn …"`, or a one-shot migrate service it depends_on with condition'
            " service_completed_successfully."
        )
    if path.kind.value == "procfile":
        return f"Add `release: alembic upgrade head` to {where}."
    if path.kind.value == "script":
        return (
            f"Apply the migrations before {where} starts the server: call"
            " `alembic.command.upgrade(Config('alembic.ini'), 'head')` before it, or deploy with"
            " a start command that runs `alembic upgrade head` first (a Dockerfile, Procfile or"
            " platform release step)."
        )
    return (
        f"Run `alembic upgrade head` before the server in {where}: call it from a prestart"
        " script (`alembic upgrade head && exec uvicorn …`) or the platform's release /"
        " pre-deploy command."
    )


def _race(path: StartPath) -> Finding:
    """A one-shot migration service the server depends_on without waiting for it to finish."""
    assert path.migration is not None
    assert path.server is not None
    m = path.migration
    service = m.via.split()[1] if m.via.startswith("depends_on ") else m.via
    return Finding(
        code=check.code,
        severity=Severity.WARNING,
        subject=path.subject,
        message=(
            f"{path.subject} starts {path.server.program} while the one-shot service {service}"
            f" runs `{m.description}` ({m.location}), but depends_on does not wait for it to"
            " finish, so the server can serve requests before the schema is migrated"
        ),
        remediation=(
            f"In {path.location.path}, make service {path.subject.rsplit(':', 1)[-1]} wait for"
            f" it: depends_on: {{{service}: {{condition: service_completed_successfully}}}}."
        ),
        location=path.location,
    )


_LAUNCHER = (
    " (a launcher script, the repository's only start: no Dockerfile, compose file, Procfile or"
    " platform file starts the app)"
)
_RELOAD = (
    "; its start command also runs --reload, a development auto-reloader that restarts the"
    " server on file changes and must not run in production"
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    if not alembic_envs(project):
        return Evaluation.skip("no Alembic environment, so no migration has to run at deploy")
    paths = [p for p in start_paths(project) if p.production and p.server is not None]
    if not paths:
        return Evaluation.skip("no production start path that starts an ASGI/WSGI server")
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    skipped: dict[str, str] = {}
    subjects: list[str] = []
    for path in paths:
        server = path.server
        assert server is not None
        schema = startup_schema(project, path)
        if not schema.database and path.migration is None:
            skipped[path.subject] = (
                f"{server.program} serves an app whose start-up reaches no SQLAlchemy, Alembic"
                " or SQL driver code: no database schema to migrate"
            )
            continue
        built = schema.unconditional
        if built is not None and path.migration is None:
            skipped[path.subject] = (
                "the app builds its schema with create_all unconditionally"
                f" ({built.path}:{built.line}, reached from start-up)"
            )
            continue
        subjects.append(path.subject)
        reload = _RELOAD if server.reload else ""
        if path.migration is not None and not path.migration.awaited:
            findings.append(_race(path))
            continue
        if path.migration is not None:
            m = path.migration
            notes[path.subject] = f"migrates via {m.via}: {m.description} ({m.location}){reload}"
            continue
        after = path.migration_step
        when = " (it runs only after the server has started)" if after is not None else ""
        target = f" {server.target}" if server.target else ""
        guard = schema.guarded
        why = (
            f"the app skips create_all in production ({guard.path}:{guard.line})"
            if guard
            else "the app's start-up never calls create_all"
        )
        launcher = _LAUNCHER if path.kind.value == "script" else ""
        findings.append(
            Finding(
                code=check.code,
                severity=check.severity,
                subject=path.subject,
                message=(
                    f"{path.subject}{launcher} starts {server.program}{target} without `alembic"
                    f" upgrade` running before it{when}, and {why}{reload}"
                ),
                remediation=_remediation(path)
                + (" Drop --reload from the production command." if reload else ""),
                location=path.location,
            )
        )
    if not subjects and skipped:
        reasons = sorted(set(skipped.values()))
        if len(reasons) == 1:
            return Evaluation.skip(reasons[0])
        return Evaluation.skip("; ".join(f"{k}: {v}" for k, v in sorted(skipped.items())))
    return Evaluation.build(subjects=subjects, findings=findings, notes=notes, skipped=skipped)
