import time

import redis.asyncio as aioredis
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import settings


class RedisRateLimitMiddleware:
    """Per-client, per-second counters in Redis, shared by every process and replica."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.redis = aioredis.from_url(settings.REDIS_URL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        host = request.client.host if request.client else "unknown"
        key = f"rl:{host}:{int(time.time())}"
        try:
            pipe = self.redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, 2)
            count, _ = await pipe.execute()
        except Exception:
            response: Response = JSONResponse({"detail": "rate limiter unavailable"}, status_code=503)
            await response(scope, receive, send)
            return
        if count > self.limit:
            response = JSONResponse({"detail": "Too many requests"}, status_code=429)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
