import logging

import httpx

from app.core.config import settings

logger = logging.getLogger(__name__)


async def send_email(to: str, subject: str, text: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"https://api.mailgun.net/v3/{settings.MAILGUN_DOMAIN}/messages",
            auth=("api", settings.MAILGUN_API_KEY.get_secret_value()),
            data={"from": settings.EMAIL_FROM, "to": to, "subject": subject, "text": text},
        )
        response.raise_for_status()


async def send_welcome_email(to: str, name: str) -> None:
    try:
        await send_email(to, "Welcome to Kabul Sweets", f"Salaam {name or 'friend'}, welcome!")
    except httpx.HTTPError:
        logger.exception("could not send welcome email to %s", to)
