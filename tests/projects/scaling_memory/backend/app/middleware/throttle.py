import time
from collections import defaultdict

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

EXEMPT_PATHS = {"/health", "/docs", "/openapi.json"}


class IPThrottleMiddleware(BaseHTTPMiddleware):
    """At most ``max_per_second`` requests per client and wall-clock second."""

    def __init__(self, app: ASGIApp, max_per_second: int = 20) -> None:
        super().__init__(app)
        self.max_per_second = max_per_second
        self.requests: dict[str, dict[int, int]] = defaultdict(dict)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in EXEMPT_PATHS:
            return await call_next(request)
        client_ip = request.client.host if request.client else "unknown"
        second = int(time.time())
        buckets = self.requests[client_ip]
        for stale in [s for s in buckets if s < second]:
            del buckets[stale]
        buckets[second] = buckets.get(second, 0) + 1
        if buckets[second] > self.max_per_second:
            return JSONResponse({"detail": "Too many requests"}, status_code=429)
        return await call_next(request)
