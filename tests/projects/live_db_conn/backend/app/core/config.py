from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    DB_CONN: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/SENTINEL_DB"
    SECRET_KEY: str
    ENVIRONMENT: str = "development"


settings = Settings()
