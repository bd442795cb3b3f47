import os

from fastapi import FastAPI

from app import config

app = FastAPI(debug=config.DEBUG)


@app.get("/health")
def health() -> dict[str, str]:
    return {"region": os.getenv("REGION", "eu-west-1")}


@app.get("/db")
def db() -> dict[str, bool]:
    # bypasses app/config.py, which declares DATABASE_URL
    return {"configured": bool(os.environ["DATABASE_URL"])}
