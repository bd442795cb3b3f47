import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_sentry_dsn_is_required_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    with pytest.raises(ValidationError, match="SENTRY_DSN"):
        Settings(_env_file=None)


def test_missing_secret_fails_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    with pytest.raises(ValidationError, match="STRIPE_SECRET_KEY"):
        Settings(_env_file=None)
