import os
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.core.config import settings
from app.db import Base, engine
import app.models  # noqa: F401

SMTP_HOST = os.getenv("SMTP_HOST")


@asynccontextmanager
async def lifespan(app: FastAPI):
    if settings.ENVIRONMENT != "production":
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "smtp": str(bool(SMTP_HOST))}
