from celery import Celery

from app.core.config import settings

celery_app = Celery(
    "kabul_sweets",
    broker=settings.REDIS_URL,
    backend=settings.REDIS_URL,
    include=["app.workers.tasks"],
)
celery_app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, timezone="Australia/Sydney")
