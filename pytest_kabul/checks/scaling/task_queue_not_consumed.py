"""KAB405 task-queue-not-consumed: Celery tasks go to a queue no production worker consumes.

What it checks
    For every production app that defines Celery tasks (``project/python/celery_routing.py``),
    the queue each task is published to: its decorator's ``queue=``, else the first matching
    ``task_routes`` entry (dict or list form, glob patterns, in ``Celery(...)``,
    ``app.conf.update(...)``, ``app.conf.task_routes = ...`` or a ``celeryconfig`` module),
    else ``task_default_queue`` (``celery`` unless set); and the ``queue=`` of every
    ``apply_async``/``send_task``/``.set`` call and beat entry. Against them, the workers
    production starts (``project/deploy/celery_workers.py``): ``celery worker`` commands of
    production start paths (Dockerfile CMD and the scripts it runs, production compose
    services, Procfile, PaaS and Kubernetes start commands) and of the supervisord programs a
    production image ships, with their ``-Q``/``--queues`` lists. A worker without ``-Q``
    consumes the default queue only (or every queue of ``task_queues``). Development stacks do
    not count. A queue name computed at run time, a router function, or a worker whose queue
    list is built at run time cannot be judged: the check says so in a warning naming the
    expression, never a silent pass. No production worker at all: skipped with that reason.

Why it matters
    A task published to a queue nobody consumes is accepted (``delay()`` returns an id) and then
    waits in the broker forever: emails are never sent, exports never finish, and nothing fails
    loudly. It typically happens when a route is added for a new queue and the worker's ``-Q``
    list in the deployment is not updated, or when ``task_default_queue`` is renamed.

Example
    ``app/celery_app.py:12 queue 'emails' is consumed by no production worker: 1
    publisher(s) (app.tasks.send_welcome via task_routes['app.tasks.send_*']); workers
    consume celery``

Before
    ``requirements.txt``::

        fastapi
        celery
        uvicorn

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN pip install -r requirements.txt
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

    ``docker-compose.yml``::

        services:
          api:
            build: .
          worker:
            build: .
            command: celery -A app.celery_app worker -Q celery

    ``app/__init__.py``::

        # the application package (the worker and the API import app.tasks)

    ``app/main.py``::

        from fastapi import FastAPI

        from app import tasks

        app = FastAPI()

    ``app/celery_app.py``::

        from celery import Celery

        celery_app = Celery("app", broker="redis://redis:6379/0")
        celery_app.conf.task_routes = {"app.tasks.send_*": {"queue": "emails"}}

    ``app/tasks.py``::

        from app.celery_app import celery_app


        @celery_app.task
        def send_welcome(user_id: int) -> None: ...

After
    ``docker-compose.yml``::

        services:
          api:
            build: .
          worker:
            build: .
            command: celery -A app.celery_app worker -Q celery,emails

Fix
    Add the queue to a production worker's ``-Q`` list (or start a worker for it), or route the
    tasks to a queue that is consumed. Keep the queue names in one module that both the routes
    and the worker command use.

Options
    On by default. Measured on the development corpus (8 public repositories,
    ``bench/corpus/``): 0 blocking findings (0 false positives; no repository routes a task
    to an unconsumed queue) and 3 cannot-judge warnings (SurfSense builds its worker's
    ``--queues`` in a shell variable).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.celery_workers import Worker, celery_workers
from pytest_kabul.project.python.celery_routing import CeleryRouting, Queue, celery_routing
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB405",
    name="task-queue-not-consumed",
    area=Area.SCALING,
    severity=Severity.ERROR,
    summary="Celery tasks are routed to a queue that no production worker consumes.",
    doc=__doc__,
)


@dataclass
class _Use:
    queue: Queue
    users: list[str] = field(default_factory=list)


def _uses(routing: CeleryRouting) -> tuple[dict[str, _Use], dict[str, _Use]]:
    """(queue name -> users, unresolved expression -> users)."""
    named: dict[str, _Use] = {}
    unresolved: dict[str, _Use] = {}
    for task in routing.tasks:
        bucket = named if task.queue.name is not None else unresolved
        key = task.queue.name if task.queue.name is not None else task.queue.expression
        bucket.setdefault(key, _Use(task.queue)).users.append(f"{task.name} via {task.how}")
    for queue, call in routing.sends:
        bucket = named if queue.name is not None else unresolved
        key = queue.name if queue.name is not None else queue.expression
        bucket.setdefault(key, _Use(queue)).users.append(f"{call} at {queue.location}")
    return named, unresolved


def _consumed(routing: CeleryRouting, worker: Worker) -> set[str] | None:
    if worker.queues is not None:
        return set(worker.queues) - set(worker.excluded)
    declared = routing.declared_queues
    plain = [q.name for q in declared] if declared is not None else [routing.default_queue.name]
    if any(name is None for name in plain):
        return None
    return {n for n in plain if n is not None} - set(worker.excluded)


def _describe(worker: Worker) -> str:
    queues = ",".join(worker.queues) if worker.queues is not None else "(no -Q: default queue)"
    if worker.dynamic:
        queues = f"(built at run time: {worker.dynamic})"
    return f"{worker.subject} ({worker.location}): -Q {queues}"


def _subject(app: str, name: str) -> str:
    return f"{app}:{name if len(name) <= 60 else name[:57] + '...'}"


def _judge(routing: CeleryRouting, workers: list[Worker]) -> tuple[list[str], list[Finding]]:
    subjects: list[str] = []
    findings: list[Finding] = []
    consumed: set[str] = set()
    unknown: list[Worker] = []
    for worker in workers:
        got = _consumed(routing, worker) if not worker.dynamic else None
        if got is None:
            unknown.append(worker)
        else:
            consumed |= got
    evidence_workers = Evidence(
        title="production workers", text="\n".join(_describe(w) for w in workers)
    )
    named, unresolved = _uses(routing)
    for name, use in sorted(named.items()):
        subject = _subject(routing.app, name)
        subjects.append(subject)
        if name in consumed:
            continue
        shown = "; ".join(use.users[:3]) + (
            f"; +{len(use.users) - 3} more" if len(use.users) > 3 else ""
        )
        users = Evidence(title=f"published to {name}", text="\n".join(use.users))
        if unknown:
            findings.append(
                Finding(
                    code=check.code,
                    severity=Severity.WARNING,
                    subject=subject,
                    message=(
                        f"cannot judge queue {name!r} ({shown}): the queue list of"
                        f" {', '.join(w.subject for w in unknown)} is built at run time"
                    ),
                    remediation=(
                        f"Make sure a production worker consumes {name!r} (celery worker -Q"
                        f" ...,{name}); list the queues literally so the gate can check them."
                    ),
                    location=use.queue.location,
                    evidence=(users, evidence_workers),
                )
            )
            continue
        findings.append(
            Finding(
                code=check.code,
                severity=Severity.ERROR,
                subject=subject,
                message=(
                    f"queue {name!r} is consumed by no production worker: {len(use.users)}"
                    f" publisher(s) ({shown}); workers consume"
                    f" {', '.join(sorted(consumed)) or 'nothing'}"
                ),
                remediation=(
                    f"Add {name!r} to a production worker's -Q list (celery -A <app> worker -Q"
                    f" {','.join(sorted(consumed | {name}))}) in {workers[0].location.path},"
                    " or route these tasks to a queue that is consumed."
                ),
                location=use.queue.location,
                evidence=(users, evidence_workers),
            )
        )
    for expression, use in sorted(unresolved.items()):
        findings.append(
            Finding(
                code=check.code,
                severity=Severity.WARNING,
                subject=_subject(routing.app, expression),
                message=(
                    f"cannot judge {len(use.users)} publisher(s) ({'; '.join(use.users[:3])}):"
                    f" the queue name {expression} is computed at run time"
                ),
                remediation=(
                    "Use a literal queue name (or a module constant) so the gate can compare it"
                    " with the workers' -Q lists."
                ),
                location=use.queue.location,
                evidence=(Evidence(title="publishers", text="\n".join(use.users)),),
            )
        )
    for where in routing.unresolved_routes:
        findings.append(
            Finding(
                code=check.code,
                severity=Severity.WARNING,
                subject=_subject(routing.app, "task_routes"),
                message="cannot judge task_routes: a router function or computed route",
                remediation="Declare task_routes as a dict of literal patterns and queues.",
                location=Location(where.path, where.line),
            )
        )
    return subjects, findings


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    routings = celery_routing(project)
    if not routings:
        return Evaluation.skip("no Celery tasks in the production code")
    workers = celery_workers(project)
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    findings: list[Finding] = []
    for routing in routings:
        own = [w for w in workers if w.app in (routing.app, None)]
        if not own:
            skipped[routing.app] = (
                "no production start path (Dockerfile, production compose, Procfile, PaaS,"
                " supervisord) runs a Celery worker for this app"
            )
            continue
        more, found = _judge(routing, own)
        subjects += more
        findings += found
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped)
