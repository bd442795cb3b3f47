import os

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgresql+asyncpg://postgres@localhost:5432/kabul_sweets_test")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/15")
for name in (
    "SECRET_KEY",
    "MAILGUN_API_KEY",
    "MAILGUN_DOMAIN",
    "STRIPE_SECRET_KEY",
    "GEMINI_API_KEY",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_PUBLIC_BASE_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
):
    os.environ.setdefault(name, f"test-{name.lower()}")

import pytest
from fastapi.testclient import TestClient

from app.main import app


@pytest.fixture
def client() -> TestClient:
    return TestClient(app)
