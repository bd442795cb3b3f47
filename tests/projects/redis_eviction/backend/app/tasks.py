import os

from celery import Celery

celery = Celery("app", broker=os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"])
