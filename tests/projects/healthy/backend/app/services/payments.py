from typing import Any

import httpx

from app.core.config import settings

STRIPE_API = "https://api.stripe.com/v1"


def create_payment_intent(amount_cents: int, metadata: dict[str, Any]) -> dict[str, Any]:
    """Create a Stripe PaymentIntent in AUD and return Stripe's JSON."""
    data: dict[str, Any] = {"amount": amount_cents, "currency": "aud"}
    for key, value in metadata.items():
        data[f"metadata[{key}]"] = str(value)
    response = httpx.post(
        f"{STRIPE_API}/payment_intents",
        auth=(settings.STRIPE_SECRET_KEY.get_secret_value(), ""),
        data=data,
        timeout=15,
    )
    response.raise_for_status()
    return response.json()
