import logging

from fastapi import APIRouter, Response
from sqlalchemy import text

from app.db import engine

logger = logging.getLogger(__name__)
router = APIRouter()


@router.get("/health")
async def health(response: Response) -> dict[str, str]:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        logger.exception("health: database unreachable")
        response.status_code = 503
        return {"status": "unavailable"}
    return {"status": "ok"}
