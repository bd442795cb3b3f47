import asyncio

from app.services.email import send_email
from app.workers.celery_app import celery_app
from app.workers.ml import retrain_demand_model


@celery_app.task(name="emails.order_confirmation")
def send_order_confirmation(to: str, order_id: int) -> None:
    asyncio.run(send_email(to, f"Order #{order_id} confirmed", "Thank you for your order!"))


@celery_app.task(name="ml.retrain_demand")
def retrain_demand() -> dict[str, object]:
    return retrain_demand_model()
