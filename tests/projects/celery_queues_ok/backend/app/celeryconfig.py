from app.config import settings

task_default_queue = settings.CELERY_DEFAULT_QUEUE
task_routes = [
    ("app.tasks.export_*", {"queue": "exports"}),
    {"app.tasks.ping": "main"},
]
