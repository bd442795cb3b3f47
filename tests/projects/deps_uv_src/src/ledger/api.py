from fastapi import FastAPI
from pydantic_settings import BaseSettings

from acme.plugins import loader
from ledger import db

app = FastAPI()


class Settings(BaseSettings):
    name: str = "ledger"


PLUGINS = loader.discover()
POOL = db.pool
