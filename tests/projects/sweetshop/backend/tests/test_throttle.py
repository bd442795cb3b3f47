from fastapi.testclient import TestClient


def test_health_is_never_throttled(client: TestClient) -> None:
    statuses = {client.get("/health").status_code for _ in range(40)}
    assert statuses == {200}


def test_burst_is_throttled(client: TestClient) -> None:
    statuses = [client.get("/api/v1/does-not-exist").status_code for _ in range(60)]
    assert 429 in statuses
