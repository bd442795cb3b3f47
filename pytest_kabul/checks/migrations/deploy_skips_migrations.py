"""KAB302 deploy-skips-migrations: a production start path starts the server unmigrated.

What it checks
    Every production start path (``start_paths``): Dockerfile ``CMD``/``ENTRYPOINT`` and the
    scripts they call, compose ``command:``/``entrypoint:`` (which override the image's CMD),
    Procfile processes, ``fly.toml``, ``render.yaml``, ``railway``, ``nixpacks``, ``heroku.yml``,
    Kubernetes workloads and deploy workflows. A path that starts an ASGI/WSGI server passes
    when ``alembic upgrade`` runs before the server: in its own command sequence, in a release
    or pre-deploy phase, in a compose one-shot service it ``depends_on`` (``condition:
    service_completed_successfully``), an initContainer or migration Job, a deploy workflow,
    or the app's lifespan calling ``alembic.command.upgrade``. Applies when the project has an
    Alembic environment and the app does not build its schema with an unconditional
    ``create_all`` (it skips ``create_all`` in production, or never calls it).

Why it matters
    With ``create_all`` skipped in production the schema exists only if Alembic ran. A path
    that starts uvicorn without it serves 500s on the first query ("relation does not
    exist"), or runs new code against an old schema after every deploy.

Example
    ``docker-compose.yml:14 docker-compose.yml:backend starts uvicorn app.main:app without
    alembic upgrade running before it``

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
from pytest_kabul.project.migrations.alembic_envs import alembic_envs
from pytest_kabul.project.migrations.schema_bootstrap import schema_bootstrap
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
    return (
        f"Run `alembic upgrade head` before the server in {where}: call it from a prestart"
        " script (`alembic upgrade head && exec uvicorn …`) or the platform's release /"
        " pre-deploy command."
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    if not alembic_envs(project):
        return Evaluation.skip("no Alembic environment, so no migration has to run at deploy")
    boot = schema_bootstrap(project)
    if not boot.relies_on_migrations():
        first = next(c for c in boot.create_all if not c.guarded)
        return Evaluation.skip(
            f"the app builds its schema with create_all unconditionally ({first.path}:{first.line})"
        )
    paths = [p for p in start_paths(project) if p.production and p.server is not None]
    if not paths:
        return Evaluation.skip("no production start path that starts an ASGI/WSGI server")
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    for path in paths:
        server = path.server
        assert server is not None
        if path.migration is not None:
            m = path.migration
            notes[path.subject] = f"migrates via {m.via}: {m.description} ({m.location})"
            continue
        after = path.migration_step
        when = " (it runs only after the server has started)" if after is not None else ""
        target = f" {server.target}" if server.target else ""
        guard = boot.skips_create_all_in_production(path.source_dir)
        why = (
            f"the app skips create_all in production ({guard.path}:{guard.line})"
            if guard
            else "the app never calls create_all"
        )
        findings.append(
            Finding(
                code=check.code,
                severity=check.severity,
                subject=path.subject,
                message=(
                    f"{path.subject} starts {server.program}{target} without `alembic upgrade`"
                    f" running before it{when}, and {why}"
                ),
                remediation=_remediation(path),
                location=path.location,
            )
        )
    return Evaluation.build(subjects=[p.subject for p in paths], findings=findings, notes=notes)
