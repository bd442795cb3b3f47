from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase

# A leftover of the prototype: the engine never reads settings.DATABASE_URL, so whatever the
# deploy sets, the app writes here.
ENGINE_URL = "sqlite:///./kabul_elsewhere.db"


class Base(DeclarativeBase):
    pass


engine = create_engine(ENGINE_URL)
