from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.db import Base, engine
import app.models  # noqa: F401


@asynccontextmanager
async def lifespan(app: FastAPI):
    Base.metadata.create_all(engine)
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/orders")
async def orders() -> list[dict[str, str]]:
    return []
