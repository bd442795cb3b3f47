from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    DATABASE_URL: str = "postgresql+psycopg://ledger@localhost:5432/ledger"
    APP_ENV: str = "development"


settings = Settings()
