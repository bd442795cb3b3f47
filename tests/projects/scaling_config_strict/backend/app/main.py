import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import settings
from app.mailer import send_welcome


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if settings.ENVIRONMENT == "production" and not os.getenv("SMTP_HOST"):
        raise RuntimeError("SMTP_HOST must be set in production")
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/signup")
async def signup(email: str) -> dict[str, str]:
    return {"mail": send_welcome(email)}
