from pydantic_settings import SettingsConfigDict

from app.core.config import Settings


class WorkerSettings(Settings):
    model_config = SettingsConfigDict(env_prefix="WORKER_", env_nested_delimiter="__")

    concurrency: int = 4
    api_token: str = ""
