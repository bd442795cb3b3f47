from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import settings
from app.db.base import Base
from app.db.session import engine


@asynccontextmanager
async def lifespan(app: FastAPI):
    if settings.environment != "production":
        Base.metadata.create_all(engine)
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/orders")
def orders() -> list[int]:
    return []
