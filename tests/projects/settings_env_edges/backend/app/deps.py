import os
from functools import lru_cache

from pydantic import ValidationError

from app.config import Settings


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError:
        # local fallback when the environment is incomplete
        return Settings(database_url=os.getenv("FALLBACK_DATABASE_URL", "sqlite:///dev.db"))
