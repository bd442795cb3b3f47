from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    ENVIRONMENT: str = "local"
    CELERY_DEFAULT_QUEUE: str = "main"


settings = Settings()
