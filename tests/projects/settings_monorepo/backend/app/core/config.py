"""Application settings (partial: many integrations are still read with os.getenv)."""

import os
from typing import Optional

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RedisSettings(BaseModel):
    host: str = "localhost"
    port: int = 6379
    password: str = ""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_nested_delimiter="__")

    database_url: str
    secret_key: str = ""
    smtp_host: str = ""
    smtp_user: str = Field(default="smtp-user")
    stripe_api_key: SecretStr | None = None
    sentry_dsn: Optional[str] = Field(None, validation_alias=AliasChoices("SENTRY_DSN", "SENTRY_URL"))
    app_env: str = "development"
    redis: RedisSettings = RedisSettings()

    @field_validator("smtp_host")
    @classmethod
    def _smtp_host_needs_legacy_fallback(cls, value: str) -> str:
        # Reads inside a Settings class are how configuration should be read.
        return value or os.getenv("LEGACY_SMTP_HOST", "")


settings = Settings()
