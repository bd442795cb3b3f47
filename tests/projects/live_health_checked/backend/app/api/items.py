from fastapi import APIRouter
from sqlalchemy import text

from app.db import engine

router = APIRouter()


@router.get("/items")
async def items() -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT 1"))
        return [r[0] for r in rows]
