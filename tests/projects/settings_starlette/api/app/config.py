"""Configuration, the starlette way: one module of constants read through Config."""

from starlette.config import Config
from starlette.datastructures import Secret

config = Config(".env")

DATABASE_URL = config("DATABASE_URL")
SECRET_KEY = config("SECRET_KEY", cast=Secret)
DEBUG = config("DEBUG", cast=bool, default=False)
REDIS_URL = config("REDIS_URL", default="redis://localhost:6379/0")
ALLOWED_HOSTS = config("ALLOWED_HOSTS", default="*")
