from fastapi import FastAPI

from app.config import settings
from app.ratelimit import RedisRateLimitMiddleware

app = FastAPI(title="Shared limits")
app.add_middleware(RedisRateLimitMiddleware, limit=settings.RATE_LIMIT_PER_SECOND)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/quotes")
async def quotes() -> list[str]:
    return ["sweet"]
