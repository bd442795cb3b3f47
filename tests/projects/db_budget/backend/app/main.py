from fastapi import FastAPI

from app.db import SessionLocal

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    with SessionLocal() as session:
        session.execute("SELECT 1")
    return {"status": "ok"}
