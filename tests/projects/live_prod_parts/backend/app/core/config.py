from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    PRODUCTION: bool
    SECRET_KEY: str
    API_V1_STR: str = "/api/v1"
    POSTGRES_SERVER: str = "localhost"
    POSTGRES_PORT: int = 5432
    POSTGRES_USER: str = "shop"
    POSTGRES_PASSWORD: str = ""
    POSTGRES_DB: str = "shop"

    @property
    def SQLALCHEMY_DATABASE_URI(self) -> str:
        auth = self.POSTGRES_USER + (f":{self.POSTGRES_PASSWORD}" if self.POSTGRES_PASSWORD else "")
        return (
            f"postgresql+psycopg://{auth}@{self.POSTGRES_SERVER}:{self.POSTGRES_PORT}"
            f"/{self.POSTGRES_DB}"
        )


settings = Settings()
