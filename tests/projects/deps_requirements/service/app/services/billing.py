import stripe

from app.services import stripe as provider


def charge(amount: int) -> object:
    return stripe.PaymentIntent.create(amount=amount, currency=provider.PROVIDER)
