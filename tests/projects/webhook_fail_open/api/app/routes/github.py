import hashlib
import hmac

from fastapi import APIRouter, Header, HTTPException, Request

from app.config import settings

router = APIRouter()


def verify_github(body: bytes, signature: str) -> None:
    if not settings.github_webhook_secret:
        return
    mac = hmac.new(settings.github_webhook_secret.encode(), body, hashlib.sha256)
    expected = "sha256=" + mac.hexdigest()
    if signature != expected:
        raise HTTPException(status_code=401, detail="bad signature")


@router.post("/github/webhook")
async def github_webhook(
    request: Request, x_hub_signature_256: str = Header("")
) -> dict[str, bool]:
    verify_github(await request.body(), x_hub_signature_256)
    return {"ok": True}
