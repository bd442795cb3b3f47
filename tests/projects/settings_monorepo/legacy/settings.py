from typing import Optional

from pydantic import BaseSettings, Field, validator


class Settings(BaseSettings):
    api_key: str = Field("", env="LEGACY_API_KEY")
    webhook_url: Optional[str]
    smtp_password: str = ""
    timeout: int = 10

    @validator("smtp_password")
    def _password_set(cls, value: str) -> str:
        if not value:
            raise ValueError("SMTP password is required")
        return value

    class Config:
        env_prefix = "LEG_"
