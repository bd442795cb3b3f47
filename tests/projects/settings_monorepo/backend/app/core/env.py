"""Small helpers around os.getenv (the pattern the audit found)."""

import os

MAIL_PREFIX = "MAILGUN"


def _env_int(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def _resolve(primary_env: str, fallback_env: str) -> str | None:
    return os.getenv(primary_env) or os.getenv(fallback_env)
