"""Per-client request limit shared by every API process through Redis."""

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

logger = logging.getLogger(__name__)

EXEMPT_PATHS = {"/health", "/docs", "/openapi.json"}


class RedisRateLimitMiddleware(BaseHTTPMiddleware):
    """Fixed one-second windows counted with INCR + EXPIRE on a key per client and second."""

    def __init__(self, app: ASGIApp, redis_url: str, max_per_second: int = 20) -> None:
        super().__init__(app)
        self.redis = Redis.from_url(redis_url)
        self.max_per_second = max_per_second

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in EXEMPT_PATHS:
            return await call_next(request)

        client_ip = request.client.host if request.client else "unknown"
        key = f"ratelimit:{client_ip}:{int(time.time())}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, 2)
                count, _ = await pipe.execute()
        except RedisError:
            logger.exception("rate limiter storage unavailable")
            return JSONResponse({"detail": "Service temporarily unavailable"}, status_code=503)

        if count > self.max_per_second:
            return JSONResponse(
                {"detail": "Too many requests"},
                status_code=429,
                headers={"Retry-After": "1"},
            )
        return await call_next(request)
