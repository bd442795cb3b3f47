import asyncio

import httpx
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app.core.config import settings
from app.main import app


def _redis_available() -> bool:
    try:
        return bool(Redis.from_url(settings.REDIS_URL).ping())
    except RedisConnectionError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="needs the Redis at REDIS_URL")
def test_burst_is_throttled() -> None:
    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [(await client.get("/api/v1/does-not-exist")).status_code for _ in range(60)]

    assert 429 in asyncio.run(burst())


def test_health_is_never_throttled(client: TestClient) -> None:
    statuses = {client.get("/health").status_code for _ in range(40)}
    assert statuses == {200}
