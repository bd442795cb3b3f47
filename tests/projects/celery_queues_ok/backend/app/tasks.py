from celery import Celery, shared_task

celery_app = Celery("shop")
celery_app.config_from_object("app.celeryconfig")


@shared_task
def export_csv(export_id: int) -> None:
    print("export", export_id)


@shared_task
def ping() -> str:
    return "pong"


@celery_app.task
def recalculate() -> None:
    print("recalculate")
