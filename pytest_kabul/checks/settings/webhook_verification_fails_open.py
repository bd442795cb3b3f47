"""KAB206 webhook-verification-fails-open: a webhook or signature check lets requests through
when its secret is not configured, or compares signatures with ``==``.

What it checks
    Every webhook or signature verifier in the code production runs (the runtime files of the
    apps a production image or start file ships; scripts, tests and tooling are not judged): a
    function named for a webhook or a signature (``stripe_webhook``, ``verify_signature``),
    reading a signature header (``Stripe-Signature``, ``X-Hub-Signature-256``,
    ``X-Signature``, ``svix-*``, ``webhook-*``, ``X-...-Token``) or computing one
    (``hmac.new``, ``construct_event``). Three weaknesses are findings:

    - it returns success when the secret setting is empty (``if not settings.WEBHOOK_SECRET:
      return True``; a bare ``return`` in a verifier that rejects by raising; ``return await
      call_next(request)``);
    - it verifies only when the secret is set (``if settings.X: construct_event(...)`` and the
      request is processed anyway; ``if settings.X and sig != expected: raise``);
    - it compares a keyed digest, a signature or a secret token with ``==``/``!=`` instead of
      ``hmac.compare_digest``.

    A secret is a name whose last identifier says so (``*secret*``, ``signing_key``,
    ``webhook_token``, ``verify_token``); a feature flag such as ``REQUIRE_SIGNATURE`` is not.
    A verifier that rejects (raises, returns ``False`` or a 4xx response) when the secret is
    empty passes, and so does one that ignores the request (returns 200 without processing).

Why it matters
    A webhook endpoint is public: anyone who knows the URL can post "payment succeeded". The
    signature is the only proof the event came from the provider. When the secret is missing
    in one environment (a renamed variable, a new deployment), a fail-open check silently
    accepts forged events; nothing fails, nothing is logged. ``==`` stops at the first
    differing byte, so response timing leaks how much of a forged signature is right.

Example
    ``api/billing/router.py:281 StripeRouter.handle_events verifies the signature only when
    env.stripe.webhook_secret is set: with the setting empty every event is processed
    unverified``

Before
    ``requirements.txt``::

        fastapi
        pydantic-settings
        stripe

    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            stripe_webhook_secret: str = ""


        settings = Settings()

    ``app/main.py``::

        import stripe
        from fastapi import FastAPI, Request

        from app.config import settings

        app = FastAPI()


        @app.post("/stripe/webhook")
        async def stripe_webhook(request: Request) -> dict[str, str]:
            event = await request.json()
            if settings.stripe_webhook_secret:
                event = stripe.Webhook.construct_event(
                    await request.body(),
                    request.headers.get("stripe-signature"),
                    settings.stripe_webhook_secret,
                )
            fulfil_order(event)
            return {"status": "ok"}


        def fulfil_order(event: dict) -> None: ...

After
    ``app/main.py``::

        import stripe
        from fastapi import FastAPI, HTTPException, Request

        from app.config import settings

        app = FastAPI()


        @app.post("/stripe/webhook")
        async def stripe_webhook(request: Request) -> dict[str, str]:
            if not settings.stripe_webhook_secret:
                raise HTTPException(503, "webhook secret not configured")
            event = stripe.Webhook.construct_event(
                await request.body(),
                request.headers.get("stripe-signature"),
                settings.stripe_webhook_secret,
            )
            fulfil_order(event)
            return {"status": "ok"}


        def fulfil_order(event: dict) -> None: ...

Fix
    Reject the request (raise, return ``False`` or a 4xx/503) when the secret is empty, or make
    the setting required so the app does not start without it; compare with
    ``hmac.compare_digest(expected, received)``.

Options
    On by default: on the development corpus (nine trees, 2026-12-03) 5 findings, all true
    positives (precision 100 %), recall 4/4 expected verifiers (agenta's Stripe receiver and
    three in onboardin-whatsapp-bot).
"""

from __future__ import annotations

from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.webhooks import Flaw, Verifier, Weakness, webhook_verifiers
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB206",
    name="webhook-verification-fails-open",
    area=Area.SETTINGS,
    severity=Severity.ERROR,
    summary="A webhook or signature check accepts requests when its secret is empty, or uses ==.",
    doc=__doc__,
)


def _message(verifier: Verifier, flaw: Flaw) -> str:
    name = verifier.name
    if flaw.kind is Weakness.RETURNS_SUCCESS:
        return f"{name} returns success when {flaw.what} is empty: requests pass unverified"
    if flaw.kind is Weakness.SKIPS_WHEN_EMPTY:
        return (
            f"{name} verifies the signature only when {flaw.what} is set: with the setting"
            " empty every request is processed unverified"
        )
    return f"{name} compares {flaw.what} instead of using hmac.compare_digest"


def _remediation(verifier: Verifier, flaw: Flaw) -> str:
    if flaw.kind is Weakness.PLAIN_COMPARE:
        return (
            f"In {verifier.path}:{flaw.line}, compare with hmac.compare_digest(expected,"
            " received) (constant time)."
        )
    return (
        f"In {verifier.path}:{flaw.line}, reject the request (raise, return False or a 4xx/503)"
        f" when {flaw.what} is empty, or make the setting required so the app cannot start"
        " without it."
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    verifiers = webhook_verifiers(project)
    if not verifiers:
        return Evaluation.skip("no webhook or signature verifier in the code production runs")
    findings = [
        Finding(
            code=check.code,
            severity=check.severity,
            subject=v.subject,
            message=_message(v, flaw),
            remediation=_remediation(v, flaw),
            location=Location(v.path, flaw.line),
        )
        for v in verifiers
        for flaw in v.flaws
    ]
    return Evaluation.build(subjects=[v.subject for v in verifiers], findings=findings)
