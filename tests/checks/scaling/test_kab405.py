"""KAB405 task-queue-not-consumed: task routes and publish sites against production workers."""

from __future__ import annotations

from pytest_kabul.checks.scaling import task_queue_not_consumed
from pytest_kabul.model import Severity
from pytest_kabul.registry import Evaluation
from tests.helpers import MakeProject

KAB405 = task_queue_not_consumed.check

DOCKERFILE = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD uvicorn app.main:app\n"


def project_files(celery: str, worker: str, tasks: str = "") -> dict[str, str]:
    return {
        "backend/requirements.txt": "fastapi\ncelery\nuvicorn\n",
        "backend/Dockerfile": DOCKERFILE,
        "backend/app/__init__.py": "",
        "backend/app/main.py": (
            "from fastapi import FastAPI\nfrom app import tasks\napp = FastAPI()\n"
        ),
        "backend/app/celery_app.py": "from celery import Celery\n" + celery,
        "backend/app/tasks.py": tasks
        or (
            "from app.celery_app import celery_app\n\n"
            "@celery_app.task\ndef send_welcome(user_id):\n    pass\n\n"
            "@celery_app.task(queue='reports')\ndef build_report(x):\n    pass\n"
        ),
        "docker-compose.yml": (
            "services:\n"
            "  api:\n    build: ./backend\n"
            f"  worker:\n    build: ./backend\n    command: {worker}\n"
        ),
    }


def evaluate(make_project: MakeProject, celery: str, worker: str, tasks: str = "") -> Evaluation:
    return KAB405.evaluate(make_project(project_files(celery, worker, tasks)))


def test_route_to_unconsumed_queue_fails(make_project: MakeProject) -> None:
    celery = (
        "celery_app = Celery('x')\n"
        "celery_app.conf.task_routes = {'app.tasks.send_*': {'queue': 'emails'}}\n"
    )
    ev = evaluate(make_project, celery, "celery -A app.celery_app worker -Q celery,reports")
    errors = [f for f in ev.findings if f.severity is Severity.ERROR]
    assert [(f.subject, str(f.location)) for f in errors] == [
        ("backend:emails", "backend/app/celery_app.py:3")
    ]
    assert "app.tasks.send_welcome via task_routes['app.tasks.send_*']" in errors[0].message
    assert "celery,emails,reports" in errors[0].remediation
    assert ev.subjects == ("backend:emails", "backend:reports")


def test_worker_without_q_consumes_only_the_default_queue(make_project: MakeProject) -> None:
    celery = "celery_app = Celery('x')\ncelery_app.conf.update(task_default_queue='main')\n"
    ev = evaluate(make_project, celery, "celery -A app.celery_app worker --loglevel=info")
    assert [(f.subject, f.severity) for f in ev.findings] == [("backend:reports", Severity.ERROR)]
    assert "workers consume main" in ev.findings[0].message


def test_all_queues_consumed_pass(make_project: MakeProject) -> None:
    celery = (
        "QUEUE = 'emails'\n"
        "celery_app = Celery('x', task_routes=[{'app.tasks.send_welcome': QUEUE}])\n"
    )
    ev = evaluate(make_project, celery, "celery -A app.celery_app worker -Q emails -Q reports")
    assert ev.findings == ()
    assert ev.subjects == ("backend:emails", "backend:reports")


def test_computed_queue_is_a_warning_not_a_pass(make_project: MakeProject) -> None:
    tasks = (
        "from app.celery_app import celery_app\n\n"
        "@celery_app.task(queue=pick_queue())\ndef work():\n    pass\n"
    )
    ev = evaluate(
        make_project, "celery_app = Celery('x')\n", "celery -A app.celery_app worker", tasks
    )
    assert [(f.severity, f.subject) for f in ev.findings] == [
        (Severity.WARNING, "backend:pick_queue()")
    ]
    assert "computed at run time" in ev.findings[0].message


def test_worker_queue_list_built_at_run_time_cannot_be_judged(make_project: MakeProject) -> None:
    ev = evaluate(
        make_project, "celery_app = Celery('x')\n", "celery -A app.celery_app worker $QUEUE_ARGS"
    )
    assert {f.severity for f in ev.findings} == {Severity.WARNING}
    assert all("built at run time" in f.message for f in ev.findings)


def test_dev_stack_workers_do_not_count(make_project: MakeProject) -> None:
    files = project_files(
        "celery_app = Celery('x')\n", "celery -A app.celery_app worker -Q reports"
    )
    files["docker-compose.dev.yml"] = files.pop("docker-compose.yml")
    ev = KAB405.evaluate(make_project(files))
    assert ev.findings == ()
    assert list(ev.skipped) == ["backend"]
