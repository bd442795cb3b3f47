from app.core.config import settings


def setup_logging() -> None:
    if not settings.PRODUCTION:
        # Pretty console logs for development only; the package is a dev dependency.
        import kabul_dev_only_pretty_logs  # noqa: F401
