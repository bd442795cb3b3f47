import random

from app.celery_app import celery_app
from app.queues import REPORTS


@celery_app.task
def send_welcome(user_id: int) -> None:
    print("welcome", user_id)


@celery_app.task(queue=REPORTS)
def build_report(report_id: int) -> None:
    print("report", report_id)


@celery_app.task
def cleanup() -> None:
    print("cleanup")


def shard(job_id: int) -> None:
    cleanup.apply_async(queue=f"shard-{random.randint(0, 3)}")
