import stripe
from fastapi import APIRouter, HTTPException, Request

from app.config import settings

router = APIRouter()


def grant_credits(event: object) -> None: ...


@router.post("/stripe/webhook")
async def stripe_webhook(request: Request) -> dict[str, str]:
    payload = await request.body()
    event = stripe.Event.construct_from(await request.json(), stripe.api_key)
    try:
        if settings.stripe_webhook_secret:
            event = stripe.Webhook.construct_event(
                payload, request.headers.get("Stripe-Signature"), settings.stripe_webhook_secret
            )
    except stripe.error.SignatureVerificationError as exc:
        raise HTTPException(status_code=400, detail="bad signature") from exc
    grant_credits(event)
    return {"status": "ok"}
