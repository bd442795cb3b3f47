"""Celery workers of production start paths and shipped supervisord programs."""

from __future__ import annotations

from pytest_kabul.project.deploy.celery_workers import celery_workers, is_worker, parse_worker
from tests.helpers import MakeProject


def test_parse_worker_forms() -> None:
    assert parse_worker(["-A", "x", "worker", "-Qa,b", "--queues=c"]) == (("a", "b", "c"), (), None)
    assert parse_worker(["worker", "-Q", "${Q:-main}", "-X", "slow"]) == (
        ("main",),
        ("slow",),
        None,
    )
    assert parse_worker(["worker", "--queues", "$QUEUES"]) == (None, (), "--queues $QUEUES")
    assert parse_worker(["worker", "--autoscale=${MAX},${MIN}", "${QUEUE_ARGS}"]) == (
        None,
        (),
        "${QUEUE_ARGS}",
    )
    assert parse_worker(["worker"]) == (None, (), None)


def test_is_worker() -> None:
    assert is_worker(["exec", "celery", "-A", "app", "worker"]) == ["-A", "app", "worker"]
    assert is_worker(["python", "-m", "celery", "--app=app", "worker", "-Q", "a"]) is not None
    assert is_worker(["celery", "-A", "app", "beat"]) is None
    assert is_worker(["uvicorn", "app.main:app"]) is None


def test_supervisord_program_shipped_by_a_production_image(make_project: MakeProject) -> None:
    project = make_project(
        {
            "requirements.txt": "celery\n",
            "app/__init__.py": "",
            "app/tasks.py": "from celery import Celery\napp = Celery('x')\n",
            "Dockerfile": (
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY app ./app\n"
                "COPY deploy/worker.conf /etc/supervisor/conf.d/worker.conf\n"
                'CMD ["supervisord", "-n"]\n'
            ),
            "deploy/worker.conf": (
                "[program:worker]\ncommand=celery -A app.tasks worker\n    -Q high,low\n"
                "[program:beat]\ncommand=celery -A app.tasks beat\n"
            ),
            "deploy/unused.conf": "[program:other]\ncommand=celery -A app.tasks worker -Q x\n",
        }
    )
    workers = celery_workers(project)
    found = [(w.subject, w.queues, str(w.location)) for w in workers]
    assert ("deploy/worker.conf:worker", ("high", "low"), "deploy/worker.conf:2") in found
    assert all(not w.subject.startswith("deploy/unused.conf") for w in workers)
