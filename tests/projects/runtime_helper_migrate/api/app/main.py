from contextlib import asynccontextmanager

from fastapi import FastAPI

from .db.migrate import run_migrations as migrate_schema


@asynccontextmanager
async def lifespan(app: FastAPI):
    migrate_schema()
    yield


app = FastAPI(lifespan=lifespan)
