import os

os.environ.setdefault("DATABASE_URL", "postgresql+asyncpg://postgres@localhost:5432/kabul_sweets_test")
os.environ.setdefault("SECRET_KEY", "test-secret")
os.environ.setdefault("APP_ENV", "test")

import pytest
from fastapi.testclient import TestClient

from app.main import app


@pytest.fixture
def client() -> TestClient:
    return TestClient(app)
