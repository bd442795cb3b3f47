"""Error tracking and request logging setup."""

import logging

import sentry_sdk
from sentry_sdk.integrations.fastapi import FastApiIntegration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration

from app.core.config import settings

logger = logging.getLogger(__name__)


def configure_logging() -> None:
    level = logging.INFO if settings.APP_ENV == "production" else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def init_sentry() -> None:
    """Send unhandled exceptions to Sentry (the DSN is required in production)."""
    if settings.SENTRY_DSN is None:
        logger.info("SENTRY_DSN not set, error tracking disabled (%s)", settings.APP_ENV)
        return
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.APP_ENV,
        traces_sample_rate=0.1,
        integrations=[FastApiIntegration(), SqlalchemyIntegration()],
    )
