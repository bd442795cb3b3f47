from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    DATABASE_URL: str = "postgresql+asyncpg://shop:shop@localhost:5432/shop"
    SECRET_KEY: str
    ENVIRONMENT: str = "development"


settings = Settings()
