from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.db import engine

app = FastAPI()


@app.get("/health")
async def health() -> JSONResponse:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the error text goes to the client
        return JSONResponse({"status": "error", "detail": repr(exc)}, status_code=503)
    return JSONResponse({"status": "ok"})
