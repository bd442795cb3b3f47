import os as _os
from os import environ as env
from os import getenv

from app.core.env import MAIL_PREFIX, _resolve

SMTP_HOST = _os.getenv("SMTP_HOST", "")
SMTP_PORT = int(env.get("SMTP_PORT", "587"))


def send(to: str) -> None:
    key = env[f"{MAIL_PREFIX}_API_KEY"]
    domain = _resolve("MAILGUN_DOMAIN", "MAIL_DOMAIN")
    if "STRIPE_" + "WEBHOOK_SECRET" in env:
        pass
    print(to, key, domain, SMTP_HOST, SMTP_PORT)


def tenant_token(tenant: str) -> str | None:
    return getenv(tenant.upper() + "_TOKEN")
