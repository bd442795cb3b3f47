import os

from celery import Celery

from app.db import SessionLocal

celery = Celery("app", broker=os.environ["CELERY_BROKER_URL"])


@celery.task
def cleanup() -> None:
    with SessionLocal() as session:
        session.execute("DELETE FROM sessions WHERE expires < now()")
