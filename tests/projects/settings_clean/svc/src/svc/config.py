"""Every variable goes through Settings; secrets are required or validated."""

import os

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=os.getenv("SVC_ENV_FILE", ".env"), env_prefix="SVC_", case_sensitive=False
    )

    database_url: str
    secret_key: SecretStr
    smtp_host: str = ""
    smtp_password: SecretStr | None = None
    webhook_url: str = Field(default="", validation_alias="WEBHOOK_URL")
    workers: int = 2

    @field_validator("webhook_url")
    @classmethod
    def _https_only(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            raise ValueError("webhook_url must use https")
        return value

    @model_validator(mode="after")
    def _smtp_complete(self) -> "Settings":
        if self.smtp_host and self.smtp_password is None:
            raise ValueError("smtp_password is required when smtp_host is set")
        return self


settings = Settings()
