from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from app.api.main import api_router
from app.core.config import settings
from app.core.logging import setup_logging
from app.db import engine


@asynccontextmanager
async def lifespan(app: FastAPI):
    setup_logging()
    with engine.connect() as conn:  # fail fast when the database is unreachable
        conn.execute(text("SELECT 1"))
    yield


app = FastAPI(lifespan=lifespan)
app.include_router(api_router, prefix=settings.API_V1_STR)
