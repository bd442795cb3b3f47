import hashlib
import hmac
import os

from fastapi import Depends, FastAPI, HTTPException, Request
from starlette.responses import JSONResponse

WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET", "")
app = FastAPI()


async def verify_signature(request: Request) -> None:
    if not WEBHOOK_SECRET:
        raise HTTPException(status_code=503, detail="webhook secret not configured")
    sent = request.headers.get("X-Signature", "")
    mine = hmac.new(WEBHOOK_SECRET.encode(), await request.body(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mine, sent):
        raise HTTPException(status_code=401, detail="bad signature")


@app.middleware("http")
async def signed_partner_calls(request: Request, call_next):  # type: ignore[no-untyped-def]
    if request.url.path.startswith("/partner"):
        secret = os.environ.get("PARTNER_SIGNING_SECRET")
        if secret is None:
            return JSONResponse({"detail": "not configured"}, status_code=503)
        token = request.headers.get("X-Partner-Token", "")
        if not hmac.compare_digest(token, secret):
            return JSONResponse({"detail": "forbidden"}, status_code=403)
    return await call_next(request)


@app.post("/hooks/orders", dependencies=[Depends(verify_signature)])
async def order_webhook() -> dict[str, bool]:
    return {"ok": True}
