"""KAB205 db-connection-budget: the app's connection pools can open more connections than
Postgres accepts.

What it checks
    Every compose model (development stacks skipped) that runs a Postgres server. Its
    ``max_connections`` comes from the service command (``postgres -c max_connections=200``) or a
    mounted ``postgresql.conf`` in the repository, else Postgres' default of 100; three are
    reserved for superusers. Against it, every started service built from a folder whose code
    creates a SQLAlchemy engine (``create_engine``/``create_async_engine``, see
    ``project/python/engines.py``) counts *replicas* (``deploy.replicas``/``scale``) x
    *processes* (uvicorn ``--workers``, gunicorn ``-w``/``workers =`` in ``gunicorn.conf.py``,
    ``WEB_CONCURRENCY``; a Celery worker's ``--concurrency``/``-c``) x the largest pool of the
    code (``pool_size + max_overflow``, SQLAlchemy's default 5 + 10). Unknown counts (a
    ``$(nproc)``, Celery's per-CPU default) count as one, so the total is a lower bound. An
    engine whose pool cannot be sized (``NullPool``, a size computed at run time) makes the model
    unjudged. The message gives the arithmetic.

Why it matters
    Each process keeps its own pool. When the sum exceeds ``max_connections``, the database
    refuses new connections under load ("FATAL: sorry, too many clients already" / "remaining
    connection slots are reserved"): requests fail exactly when traffic peaks, and a deploy
    (old and new replicas alive together) can tip it over.

Example
    ``backend/app/db.py:7 api 2 replicas x 4 workers x (5 + 10) = 120 connections > 97 usable
    of max_connections 100``

Before
    ``docker-compose.yml``::

        services:
          db:
            image: postgres:16
            command: postgres -c max_connections=40
          api:
            build: .
            command: gunicorn app.main:app -k uvicorn.workers.UvicornWorker -w 4
            deploy:
              replicas: 2

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
        gunicorn

    ``app/db.py``::

        from sqlalchemy import create_engine

        engine = create_engine("postgresql://app@db/app", pool_size=5, max_overflow=10)

    ``app/main.py``::

        from fastapi import FastAPI

        from app.db import engine

        app = FastAPI()

After
    ``app/db.py``::

        from sqlalchemy import create_engine

        engine = create_engine("postgresql://app@db/app", pool_size=3, max_overflow=0)

Fix
    Lower ``pool_size``/``max_overflow`` per process (the budget divided by the processes), raise
    ``max_connections`` (``command: postgres -c max_connections=300``, with the memory for it),
    or put PgBouncer (transaction pooling) between the app and Postgres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_kabul.model import Area, Evidence, Finding, Severity
from pytest_kabul.project import shell as sh
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel, ComposeService
from pytest_kabul.project.compose.roles import (
    Datastore,
    command_text,
    datastore_kind,
    dev_reason,
    service_dockerfile,
)
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.processes import built_from
from pytest_kabul.project.python.engines import Engine, sqla_engines
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB205",
    name="db-connection-budget",
    area=Area.SETTINGS,
    severity=Severity.ERROR,
    summary="Pool size x workers x replicas exceeds Postgres max_connections.",
    doc=__doc__,
)

DEFAULT_MAX_CONNECTIONS = 100
RESERVED = 3
_MAX_CONN = re.compile(r"max_connections\s*[= ]\s*'?(\d+)")


@dataclass(frozen=True)
class _Term:
    service: str
    replicas: int
    processes: int
    what: str  # "uvicorn --workers", "celery --concurrency"
    engine: Engine

    @property
    def total(self) -> int:
        return self.replicas * self.processes * self.engine.per_process

    def __str__(self) -> str:
        e = self.engine
        return (
            f"{self.service} {self.replicas} replica(s) x {self.processes} {self.what}"
            f" x ({e.pool_size} + {e.max_overflow}) = {self.total}"
        )


def _inside(rel: str, folder: str) -> bool:
    return folder == "" or rel == folder or rel.startswith(folder + "/")


def _max_connections(project: Project, service: ComposeService) -> tuple[int, str]:
    match = _MAX_CONN.search(command_text(project, service))
    if match:
        return int(match.group(1)), f"{service.file}: command sets max_connections"
    for volume in service.volumes:
        source = volume.split(":", 1)[0]
        if source.endswith(".conf") and project.exists(source):
            found = _MAX_CONN.search(project.read_text(source) or "")
            if found:
                return int(found.group(1)), f"{source} sets max_connections"
    return DEFAULT_MAX_CONNECTIONS, "Postgres' default"


def _option(argv: list[str], names: tuple[str, ...]) -> int | None:
    for i, word in enumerate(argv):
        for name in names:
            if word == name and i + 1 < len(argv) and argv[i + 1].isdigit():
                return int(argv[i + 1])
            if word.startswith(name + "=") and word.split("=", 1)[1].isdigit():
                return int(word.split("=", 1)[1])
            if len(name) == 2 and word.startswith(name) and word[2:].isdigit():
                return int(word[2:])
    return None


def _gunicorn_conf_workers(project: Project, context: str) -> int | None:
    for name in ("gunicorn.conf.py", "gunicorn_conf.py"):
        rel = f"{context}/{name}" if context else name
        match = re.search(r"^workers\s*=\s*(\d+)\s*$", project.read_text(rel) or "", re.M)
        if project.exists(rel) and match:
            return int(match.group(1))
    return None


def _processes(project: Project, service: ComposeService, context: str) -> tuple[int, str] | None:
    """(processes per replica, what) of a service that opens the engine, None if it does not."""
    text = command_text(project, service)
    for argv in sh.split(text):
        words = sh.normalise(argv)
        if "celery" in (sh.base(w) for w in words[:3]) and "worker" in words:
            count = _option(words, ("--concurrency", "-c"))
            return (count or 1), "celery --concurrency"
        server = sh.server(argv)
        if server is not None:
            workers = server.workers
            if workers is None and server.program == "gunicorn":
                workers = _gunicorn_conf_workers(project, context)
            env = service.environment.get("WEB_CONCURRENCY")
            if workers is None and env is not None and env.isdigit():
                workers = int(env)
            if workers is None:
                dockerfile = service_dockerfile(project, service)
                for stage in dockerfile.stage_chain() if dockerfile else []:
                    for instruction in stage.all("ENV"):
                        found = re.search(r"WEB_CONCURRENCY[= ]\"?(\d+)", instruction.value)
                        workers = workers or (int(found.group(1)) if found else None)
            return (workers or 1), f"{server.program} worker(s)"
    return None


def _judge(
    project: Project, model: ComposeModel, db: ComposeService, engines: tuple[Engine, ...]
) -> tuple[Finding | None, str | None]:
    limit, source = _max_connections(project, db)
    usable = limit - RESERVED
    terms: list[_Term] = []
    for service in model.started:
        context = built_from(project, service)
        if context is None or service is db:
            continue
        own = [e for e in engines if _inside(e.location.path, context)]
        if not own:
            continue
        unknown = next((e for e in own if e.unknown), None)
        if unknown is not None:
            return None, f"{unknown.location}: pool not sized statically ({unknown.unknown})"
        counted = _processes(project, service, context)
        if counted is None:
            continue
        processes, what = counted
        engine = max(own, key=lambda e: (e.per_process, e.location))
        terms.append(_Term(service.name, service.replicas or 1, processes, what, engine))
    total = sum(t.total for t in terms)
    if not terms or total <= usable:
        return None, None
    biggest = max(terms, key=lambda t: (t.total, t.service))
    arithmetic = " + ".join(str(t) for t in terms)
    processes = sum(t.replicas * t.processes for t in terms)
    per_process = max(usable // processes, 1)
    return (
        Finding(
            code=check.code,
            severity=Severity.ERROR,
            subject=f"{model.subject}:{db.name}",
            message=(
                f"{arithmetic}: at least {total} connections > {usable} usable of"
                f" max_connections {limit} ({source}) on {db.name}"
            ),
            remediation=(
                f"Size the pools to the budget (about {per_process} connections per process:"
                " pool_size + max_overflow), raise max_connections"
                f" on {db.name} (command: postgres -c max_connections=N), or put PgBouncer in"
                " front of Postgres."
            ),
            location=biggest.engine.location,
            evidence=(
                Evidence(
                    title="connection budget",
                    text="\n".join(
                        [
                            *(f"{t} (engine {t.engine.location})" for t in terms),
                            f"total {total} > {limit} - {RESERVED} reserved = {usable}",
                        ]
                    ),
                ),
            ),
        ),
        None,
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    engines = sqla_engines(project)
    if not engines:
        return Evaluation.skip("no SQLAlchemy engine in the runtime code")
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    findings: list[Finding] = []
    for model in compose_models(project):
        dbs = [s for s in model.started if datastore_kind(project, s) is Datastore.POSTGRES]
        for db in dbs:
            subject = f"{model.subject}:{db.name}"
            dev = dev_reason(project, model)
            if dev:
                skipped[subject] = f"development stack: {dev}"
                continue
            finding, why_not = _judge(project, model, db, engines)
            if why_not is not None:
                skipped[subject] = why_not
                continue
            subjects.append(subject)
            if finding is not None:
                findings.append(finding)
    if not subjects and not skipped:
        return Evaluation.skip("no Postgres server in any compose model")
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped)
