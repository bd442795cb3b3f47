"""Error tracking and request logging setup."""

import logging

from app.core.config import settings

logger = logging.getLogger(__name__)


def configure_logging() -> None:
    level = logging.INFO if settings.APP_ENV == "production" else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def init_sentry() -> None:
    """Send unhandled exceptions to Sentry when a DSN is configured."""
    if not settings.SENTRY_DSN:
        logger.info("SENTRY_DSN not set, error tracking disabled")
        return

    try:
        import sentry_sdk
        from sentry_sdk.integrations.fastapi import FastApiIntegration

        sentry_sdk.init(
            dsn=settings.SENTRY_DSN,
            environment=settings.APP_ENV,
            traces_sample_rate=0.1,
            integrations=[FastApiIntegration()],
        )
        logger.info("Sentry initialised")
    except ImportError:
        logger.warning("sentry_sdk is not installed, error tracking disabled")
