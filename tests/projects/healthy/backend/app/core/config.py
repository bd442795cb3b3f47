from typing import Literal

from pydantic import SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every environment variable the API and its workers read. Required values have no default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    PROJECT_NAME: str = "Kabul Sweets API"
    API_V1_PREFIX: str = "/api/v1"
    APP_ENV: Literal["development", "test", "staging", "production"] = "development"

    DATABASE_URL: str
    REDIS_URL: str
    SECRET_KEY: SecretStr
    RATE_LIMIT_PER_SECOND: int = 20

    MAILGUN_API_KEY: SecretStr
    MAILGUN_DOMAIN: str
    EMAIL_FROM: str = "Kabul Sweets <orders@kabulsweets.com.au>"

    STRIPE_SECRET_KEY: SecretStr

    GEMINI_API_KEY: SecretStr
    GEMINI_MODEL: str = "gemini-1.5-flash"

    S3_BUCKET: str
    S3_ENDPOINT_URL: str
    S3_PUBLIC_BASE_URL: str
    S3_ACCESS_KEY_ID: str
    S3_SECRET_ACCESS_KEY: SecretStr

    SENTRY_DSN: str | None = None

    @field_validator("SENTRY_DSN")
    @classmethod
    def sentry_required_in_production(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and info.data.get("APP_ENV") == "production":
            raise ValueError("SENTRY_DSN must be set when APP_ENV=production")
        return value or None


settings = Settings()
