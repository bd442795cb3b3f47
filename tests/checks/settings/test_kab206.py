"""KAB206 webhook-verification-fails-open: verifiers that accept when the secret is empty."""

from __future__ import annotations

from pytest_kabul.checks.settings import webhook_verification_fails_open
from pytest_kabul.project.python.webhooks import Weakness, webhook_verifiers
from tests.helpers import MakeProject

KAB206 = webhook_verification_fails_open.check

CONFIG = """
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    stripe_webhook_secret: str = ""
    github_webhook_secret: str | None = None
    require_signature: bool = False

settings = Settings()
"""


def judge(make_project: MakeProject, code: str, path: str = "app/hooks.py") -> list[str]:
    project = make_project(
        {
            "requirements.txt": "fastapi\n",
            "app/__init__.py": "",
            "app/config.py": CONFIG,
            path: code,
        }
    )
    return [f"{f.location}: {f.message}" for f in KAB206.evaluate(project).findings]


def test_returns_true_when_secret_empty(make_project: MakeProject) -> None:
    got = judge(
        make_project,
        """
        import hashlib
        import hmac
        from app.config import settings

        def verify_github_signature(body: bytes, header: str) -> bool:
            if not settings.github_webhook_secret:
                return True
            expected = hmac.new(settings.github_webhook_secret.encode(), body, hashlib.sha256)
            return hmac.compare_digest("sha256=" + expected.hexdigest(), header)
        """,
    )
    assert got == [
        "app/hooks.py:6: verify_github_signature returns success when"
        " settings.github_webhook_secret is empty: requests pass unverified"
    ]


def test_bare_return_in_a_raising_verifier(make_project: MakeProject) -> None:
    got = judge(
        make_project,
        """
        import hmac
        import os
        from fastapi import HTTPException, Request

        async def verify_signature(request: Request) -> None:
            secret = os.getenv("WEBHOOK_SECRET")
            if secret is None:
                return
            sent = request.headers.get("X-Signature", "")
            mine = hmac.new(secret.encode(), await request.body(), "sha256").hexdigest()
            if not hmac.compare_digest(mine, sent):
                raise HTTPException(401)
        """,
    )
    assert got == [
        "app/hooks.py:7: verify_signature returns success when secret is empty: requests pass"
        " unverified"
    ]


def test_stripe_verification_only_when_secret_set(make_project: MakeProject) -> None:
    got = judge(
        make_project,
        """
        import stripe
        from fastapi import APIRouter, Request
        from app.config import settings

        router = APIRouter()

        @router.post("/stripe/webhook")
        async def stripe_webhook(request: Request) -> dict[str, str]:
            payload = await request.body()
            event = stripe.Event.construct_from(await request.json(), stripe.api_key)
            try:
                if settings.stripe_webhook_secret:
                    event = stripe.Webhook.construct_event(
                        payload,
                        request.headers.get("stripe-signature"),
                        settings.stripe_webhook_secret,
                    )
            except stripe.error.SignatureVerificationError:
                return {"status": "bad signature"}
            grant_credits(event)
            return {"status": "ok"}
        """,
    )
    assert got == [
        "app/hooks.py:12: stripe_webhook verifies the signature only when"
        " settings.stripe_webhook_secret is set: with the setting empty every request is"
        " processed unverified"
    ]


def test_conditional_rejection_and_plain_compare(make_project: MakeProject) -> None:
    got = judge(
        make_project,
        """
        import hashlib
        import hmac
        from fastapi import Header, HTTPException, Request
        from app.config import settings

        async def github_webhook(request: Request, x_hub_signature_256: str = Header("")):
            body = await request.body()
            key = (settings.github_webhook_secret or "").encode()
            expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            if settings.github_webhook_secret and x_hub_signature_256 != expected:
                raise HTTPException(status_code=401)
            return {"ok": True}
        """,
    )
    assert got == [
        "app/hooks.py:10: github_webhook compares x_hub_signature_256 != expected instead of"
        " using hmac.compare_digest",
        "app/hooks.py:10: github_webhook verifies the signature only when"
        " settings.github_webhook_secret is set: with the setting empty every request is"
        " processed unverified",
    ]


def test_plain_compare_masks_literals(make_project: MakeProject) -> None:
    got = judge(
        make_project,
        """
        import hmac

        def check(body: bytes, sent: str) -> bool:
            return hmac.new(b"hard-coded-key", body, "sha256").hexdigest() == sent
        """,
    )
    assert len(got) == 1
    assert "hard-coded-key" not in got[0]
    assert "check compares hmac.new('...', body, '...').hexdigest() == sent" in got[0]


def test_fail_closed_verifiers_pass(make_project: MakeProject) -> None:
    project = make_project(
        {
            "requirements.txt": "fastapi\n",
            "app/__init__.py": "",
            "app/config.py": CONFIG,
            "app/hooks.py": """
                import hmac
                import secrets
                from fastapi import HTTPException, Request
                from app.config import settings

                def verify_slack_signature(secret: str, sig: str | None, body: bytes) -> bool:
                    if not secret or not sig:
                        return False
                    mine = hmac.new(secret.encode(), body, "sha256").hexdigest()
                    return hmac.compare_digest(mine, sig)

                async def stripe_webhook(request: Request) -> dict[str, bool]:
                    if not settings.stripe_webhook_secret:
                        raise HTTPException(503, "not configured")
                    sig = request.headers.get("Stripe-Signature")
                    return {"ok": verify_slack_signature(settings.stripe_webhook_secret, sig, b"")}

                async def telegram_webhook(request: Request) -> dict[str, bool]:
                    if not settings.github_webhook_secret:
                        return {"ignored": True}
                    token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
                    if not secrets.compare_digest(token, settings.github_webhook_secret):
                        raise HTTPException(403)
                    return {"ok": True}

                def admin_key(x_api_key: str, admin_secret: str | None) -> bool:
                    if admin_secret and secrets.compare_digest(x_api_key, admin_secret):
                        return True
                    raise HTTPException(401)

                def signature_kind(signature_type: str, signature_version: str) -> bool:
                    if settings.require_signature:
                        return signature_type == signature_version
                    return signature_type == "unsigned"
            """,
        }
    )
    ev = KAB206.evaluate(project)
    assert ev.findings == ()
    # admin_key and signature_kind name no webhook and read no signature: not verifiers
    assert [s.split(":", 1)[1] for s in ev.subjects] == [
        "app/hooks.py:stripe_webhook",
        "app/hooks.py:telegram_webhook",
        "app/hooks.py:verify_slack_signature",
    ]
    kinds = {f.kind for v in webhook_verifiers(project) for f in v.flaws}
    assert kinds == set()


def test_scripts_and_tests_are_not_judged(make_project: MakeProject) -> None:
    fail_open = """
        import hmac

        def verify_webhook(secret: str, sig: str, expected_sig: str) -> bool:
            if not secret:
                return True
            return sig == expected_sig
    """
    assert judge(make_project, fail_open, "scripts/replay_webhook.py") == []
    assert judge(make_project, fail_open, "tests/test_webhook.py") == []
    got = judge(make_project, fail_open, "app/webhook.py")
    assert len(got) == 2
    assert {Weakness.PLAIN_COMPARE, Weakness.RETURNS_SUCCESS} == {
        f.kind
        for v in webhook_verifiers(
            make_project({"requirements.txt": "x\n", "app/webhook.py": fail_open})
        )
        for f in v.flaws
    }


def test_no_verifier_is_a_skip(make_project: MakeProject) -> None:
    project = make_project({"requirements.txt": "fastapi\n", "app/main.py": "x = 1\n"})
    assert KAB206.evaluate(project).not_applicable is not None


def test_validator_object_and_and_guard_fall_through(make_project: MakeProject) -> None:
    got = judge(
        make_project,
        """
        import logging
        from fastapi import Header, Request
        from app.config import settings

        log = logging.getLogger(__name__)

        class Twilio:
            def __init__(self, validator: object | None) -> None:
                self.validator = validator

            def verify_signature(self, url: str, params: dict, signature: str) -> bool:
                if not self.validator:
                    log.warning("validator not initialised, skipping signature verification")
                    return True
                return self.validator.validate(url, params, signature)

        async def twilio_webhook(request: Request, x_twilio_signature: str = Header(None)):
            form = dict(await request.form())
            if x_twilio_signature and settings.twilio_auth_token:
                if not Twilio(None).verify_signature(str(request.url), form, x_twilio_signature):
                    log.warning("invalid signature")
            return handle(form)
        """,
    )
    assert got == [
        "app/hooks.py:12: Twilio.verify_signature returns success when self.validator is empty:"
        " requests pass unverified",
        "app/hooks.py:19: twilio_webhook verifies the signature only when"
        " settings.twilio_auth_token is set: with the setting empty every request is processed"
        " unverified",
    ]


def test_outgoing_signing_is_not_verification(make_project: MakeProject) -> None:
    got = judge(
        make_project,
        """
        import hashlib
        import hmac
        import httpx

        def deliver_webhook(url: str, body: bytes, webhook_secret: str | None) -> None:
            headers = {"Content-Type": "application/json"}
            if webhook_secret:
                digest = hmac.new(webhook_secret.encode(), body, hashlib.sha256).hexdigest()
                headers["X-Signature"] = f"sha256={digest}"
            httpx.post(url, content=body, headers=headers)
        """,
    )
    assert got == []


def test_only_files_that_can_hold_a_verifier_are_parsed(make_project: MakeProject) -> None:
    hooks = {
        "app/header.py": "def receive(request):\n"
        "    return request.headers['X-Hub-Signature-256']\n",
        "app/keyed.py": "import hmac\ndef check(body, key):\n"
        "    return hmac.new(key, body, 'sha256')\n",
        "app/stripe_hook.py": "def receive(p, h, s):\n"
        "    return stripe.Webhook.construct_event(p, h, s)\n",
        "app/named.py": "def verify_sig(payload):\n    return payload == settings.SHARED_SECRET\n",
    }
    project = make_project(
        {
            "requirements.txt": "fastapi\n",
            "app/__init__.py": "",
            "app/config.py": CONFIG,
            "app/secrets_only.py": "def login(user):\n    return user.client_secret\n",
            **hooks,
        }
    )
    found = {v.path for v in webhook_verifiers(project)}
    assert found == set(hooks)
    assert "app/secrets_only.py" not in project._trees  # names a secret, no verifier cue
