import logging

from redis import Redis
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

log = logging.getLogger(__name__)
redis_client = Redis(host="redis")


class RedisLimit(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        host = request.client.host if request.client else "-"
        try:
            hits = redis_client.incr(f"hits:{host}")
            redis_client.expire(f"hits:{host}", 1)
        except Exception:
            log.warning("rate limiter storage unavailable")
            return await call_next(request)
        if hits > 100:
            return PlainTextResponse("slow down", status_code=429)
        return await call_next(request)
