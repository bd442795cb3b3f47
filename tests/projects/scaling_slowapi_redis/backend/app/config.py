from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    RATE_LIMIT_STORAGE_URL: str = "redis://localhost:6379/1"


settings = Settings()
