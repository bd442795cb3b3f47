from typing import Any

from pydantic_settings import BaseSettings


class AdminSettings(BaseSettings):
    title: str = "Admin"
    docs_url: str = "/docs"
    redoc_url: str = "/redoc"
    openapi_url: str = "/openapi.json"

    @property
    def fastapi_kwargs(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "docs_url": self.docs_url,
            "redoc_url": self.redoc_url,
            "openapi_url": self.openapi_url,
        }


settings = AdminSettings()
