from cachetools import TTLCache
from starlette.types import ASGIApp, Receive, Scope, Send


class BurstGuard:
    """Pure ASGI middleware counting requests per client in a TTL cache."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: TTLCache[str, int] = TTLCache(maxsize=10_000, ttl=1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope["client"][0] if scope.get("client") else "-"
        self.counts[client] = self.counts.get(client, 0) + 1
        if self.counts[client] > 50:
            await send({"type": "http.response.start", "status": 429, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)
