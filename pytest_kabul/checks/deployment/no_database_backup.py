"""KAB503 no-database-backup: nothing backs up the Postgres data.

What it checks
    Per compose model that starts a Postgres service: is there a backup?

    - a started backup service: postgres-backup-local/-s3, pgBackRest, WAL-G, Barman,
      db-backup/volume-backup images, restic/borgmatic/kopia, or any service whose command runs
      ``pg_dump``/``pg_dumpall``/``pgbackrest``/``wal-g`` (a cron sidecar);
    - WAL archiving on the database itself (``archive_command``, ``WALG_*``/``PGBACKREST_*``);
    - anywhere in the project, something that runs a backup *on a schedule*: a scheduled GitHub
      Actions workflow (``on: schedule``) or GitLab CI schedule, a crontab line, a Kubernetes
      ``CronJob`` or a systemd timer that runs ``pg_dump``/``pg_dumpall``/``pgbackrest``/
      ``wal-g``/``barman`` or a script that does. A script that only mentions ``pg_dump`` (a
      one-off migration or restore helper nothing schedules) is not a backup.

    None of these: ERROR. A backup service that only runs under a compose profile a plain
    ``docker compose up`` never starts: WARNING. ``[tool.kabul] managed_database = "…"`` (RDS,
    Cloud SQL, Neon, Supabase … which back up for you) skips the check with that reason.

Why it matters
    A deleted volume, a bad migration or ransomware on an exposed port loses every order and
    customer for good. Backups that are never scheduled do not exist.

Example
    ``docker-compose.yml:2 nothing backs up the Postgres service db``

Before
    ``docker-compose.yml``::

        services:
          db:
            image: postgres:16
            volumes:
              - pgdata:/var/lib/postgresql/data
        volumes:
          pgdata: {}

After
    ``docker-compose.yml``::

        services:
          db:
            image: postgres:16
            volumes:
              - pgdata:/var/lib/postgresql/data
          backup:
            image: prodrigestivill/postgres-backup-local:16
            environment:
              POSTGRES_HOST: db
              SCHEDULE: "@daily"
            volumes:
              - ./backups:/backups
        volumes:
          pgdata: {}

Fix
    Add a scheduled backup service (e.g. ``prodrigestivill/postgres-backup-local`` or
    ``eeshugerman/postgres-backup-s3``) to the production compose file, copying dumps off the
    host; or declare ``managed_database`` when the provider backs it up.
"""

from __future__ import annotations

import re

from pytest_kabul.checks.deployment._templates import no_compose_reason
from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel, ComposeService
from pytest_kabul.project.compose.roles import (
    Datastore,
    base_image,
    command_text,
    datastore_kind,
    dev_reason,
)
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.backups import DUMP_RE, backup_jobs
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB503",
    name="no-database-backup",
    area=Area.DEPLOYMENT,
    severity=Severity.ERROR,
    summary="No backup service, script or scheduled job backs up the Postgres data.",
    doc=__doc__,
)

_BACKUP_IMAGE_RE = re.compile(
    r"(backup|pgbackrest|wal-g|walg|barman|restic|borgmatic|kopia|duplicati|pg_dump|pgdump)"
)
_WAL_ENV_RE = re.compile(r"^(WALG_|WALE_|PGBACKREST_|BARMAN_)")


def _is_backup_service(project: Project, service: ComposeService) -> bool:
    if datastore_kind(project, service) is Datastore.POSTGRES and not service.command:
        return False
    image = base_image(project, service)
    return bool(_BACKUP_IMAGE_RE.search(image) or DUMP_RE.search(command_text(project, service)))


def _archives_wal(project: Project, service: ComposeService) -> bool:
    return "archive_command" in command_text(project, service) or any(
        _WAL_ENV_RE.match(k) for k in service.environment
    )


def judge(project: Project, model: ComposeModel) -> tuple[list[Finding], str] | None:
    """None when the model starts no Postgres; else (findings, note for a pass)."""
    databases = [s for s in model.started if datastore_kind(project, s) is Datastore.POSTGRES]
    if not databases:
        return None
    db = databases[0]
    started = [s.name for s in model.started if _is_backup_service(project, s)]
    archived = [s.name for s in databases if _archives_wal(project, s)]
    if started or archived:
        what = ", ".join(started) or f"WAL archiving on {', '.join(archived)}"
        return [], f"backed up by {what}"
    jobs = backup_jobs(project)
    if jobs:
        return [], f"backup job(s): {', '.join(jobs[:5])}"
    idle = [
        s
        for _, s in sorted(model.services.items())
        if not model.is_started(s) and _is_backup_service(project, s)
    ]
    path, line = db.where()
    if idle:
        backup = idle[0]
        profiles = ", ".join(backup.profiles)
        return [
            Finding(
                code=check.code,
                severity=Severity.WARNING,
                subject=model.subject,
                message=(
                    f"the backup service {backup.name} only runs under profile {profiles},"
                    " which a plain 'docker compose up' never starts"
                ),
                remediation=(
                    f"Remove 'profiles:' from {backup.name} in {backup.file}, or start it in"
                    f" production (COMPOSE_PROFILES={backup.profiles[0]} in the server's .env)."
                ),
                location=Location(backup.file, backup.line),
            )
        ], ""
    names = ", ".join(s.name for s in databases)
    return [
        Finding(
            code=check.code,
            severity=Severity.ERROR,
            subject=model.subject,
            message=f"nothing backs up the Postgres service {names}",
            remediation=(
                f"Add a scheduled backup service to {model.files[-1]} (e.g."
                " prodrigestivill/postgres-backup-local or eeshugerman/postgres-backup-s3) that"
                " copies dumps off the host, or a scheduled pg_dump job; if the database is"
                ' managed, set [tool.kabul] managed_database = "<provider>".'
            ),
            location=Location(path, line),
        )
    ], ""


def _classify(project: Project) -> tuple[list[ComposeModel], dict[str, str], str | None]:
    """The compose models to judge, the skipped ones, or why the check does not apply: all
    from the compose files alone (the backup-job scan of the repository is the judgement)."""
    managed = project.config.managed_database
    models = compose_models(project)
    judged: list[ComposeModel] = []
    skipped: dict[str, str] = {}
    for model in models:
        if not any(datastore_kind(project, s) is Datastore.POSTGRES for s in model.started):
            continue
        if managed:
            skipped[model.subject] = (
                f"the database is managed by {managed} ([tool.kabul] managed_database)"
            )
        elif dev := dev_reason(project, model):
            skipped[model.subject] = f"development stack: {dev}"
        else:
            judged.append(model)
    if managed and not skipped:
        return [], {}, f"the database is managed by {managed} ([tool.kabul] managed_database)"
    if not models and project.files.templates:
        return [], {}, no_compose_reason(project)
    if not judged and not skipped:
        return [], {}, "no compose model starts a Postgres service"
    return judged, skipped, None


@check.subject_lister
def list_stacks(project: Project) -> Evaluation:
    """The compose models that start a Postgres; the search for backup jobs across the
    repository runs when the check's first item runs."""
    judged, skipped, not_applicable = _classify(project)
    if not_applicable is not None:
        return Evaluation.skip(not_applicable)
    return Evaluation.build(subjects=[m.subject for m in judged], skipped=skipped)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    judged, skipped, not_applicable = _classify(project)
    if not_applicable is not None:
        return Evaluation.skip(not_applicable)
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    for model in judged:
        result = judge(project, model)
        if result is None:  # pragma: no cover - _classify keeps only models with a Postgres
            continue
        found, note = result
        findings.extend(found)
        if note:
            notes[model.subject] = note
    return Evaluation.build(
        subjects=[m.subject for m in judged], findings=findings, skipped=skipped, notes=notes
    )
