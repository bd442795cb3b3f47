from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    REDIS_URL: str
    RATE_LIMIT_PER_SECOND: int = 20


settings = Settings()
