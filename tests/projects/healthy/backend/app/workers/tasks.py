import asyncio

from app.services.email import send_email
from app.workers.celery_app import celery_app


@celery_app.task(name="emails.order_confirmation")
def send_order_confirmation(to: str, order_id: int) -> None:
    asyncio.run(send_email(to, f"Order #{order_id} confirmed", "Thank you for your order!"))
