from svc.config import settings


def workers() -> int:
    return settings.workers
