import logging
import os
import smtplib
from email.message import EmailMessage

import httpx

logger = logging.getLogger(__name__)

SMTP_HOST = os.getenv("SMTP_HOST")
SMTP_PORT = int(os.getenv("SMTP_PORT", "587"))
MAILGUN_API_KEY = os.environ.get("MAILGUN_API_KEY", "")
FROM_ADDRESS = "Kabul Sweets <orders@kabulsweets.com.au>"


def _send_smtp(message: EmailMessage) -> None:
    with smtplib.SMTP(SMTP_HOST, SMTP_PORT, timeout=10) as smtp:
        smtp.starttls()
        smtp.send_message(message)


async def _send_mailgun(to: str, subject: str, text: str) -> None:
    domain = os.environ["MAILGUN_DOMAIN"]
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"https://api.mailgun.net/v3/{domain}/messages",
            auth=("api", MAILGUN_API_KEY),
            data={"from": FROM_ADDRESS, "to": to, "subject": subject, "text": text},
        )
        response.raise_for_status()


async def send_email(to: str, subject: str, text: str) -> None:
    if MAILGUN_API_KEY and "MAILGUN_DOMAIN" in os.environ:
        await _send_mailgun(to, subject, text)
        return
    message = EmailMessage()
    message["From"] = FROM_ADDRESS
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    _send_smtp(message)


async def send_welcome_email(to: str, name: str) -> None:
    try:
        await send_email(to, "Welcome to Kabul Sweets", f"Salaam {name or 'friend'}, welcome!")
    except Exception:
        logger.exception("could not send welcome email to %s", to)
