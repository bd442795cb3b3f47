import hashlib
import hmac
import time

from fastapi import APIRouter, HTTPException, Request

from app.config import settings

router = APIRouter()


def verify_slack_signature(secret: str, timestamp: str, signature: str, body: bytes) -> bool:
    if not secret or not timestamp or not signature:
        return False
    if abs(time.time() - int(timestamp)) > 300:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@router.post("/slack/events")
async def slack_events(request: Request) -> dict[str, bool]:
    if not settings.slack_signing_secret:
        raise HTTPException(status_code=503, detail="Slack is not configured")
    ok = verify_slack_signature(
        settings.slack_signing_secret,
        request.headers.get("X-Slack-Request-Timestamp", ""),
        request.headers.get("X-Slack-Signature", ""),
        await request.body(),
    )
    if not ok:
        raise HTTPException(status_code=401)
    return {"ok": True}
