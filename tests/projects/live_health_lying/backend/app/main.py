from fastapi import FastAPI
from sqlalchemy import text

from app.db import engine

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items")
async def items() -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT 1"))
        return [r[0] for r in rows]
