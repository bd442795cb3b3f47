import os

from celery import Celery

from app.queues import EMAILS

celery_app = Celery("shop", broker=os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0"))
celery_app.conf.update(
    task_default_queue="default",
    task_routes={
        "app.tasks.send_*": {"queue": EMAILS},
    },
)
