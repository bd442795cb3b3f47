import os

from fastapi import FastAPI

IS_PRODUCTION = os.environ.get("ENVIRONMENT") == "production"

app = FastAPI(
    title="Shop API",
    docs_url=None if IS_PRODUCTION else "/docs",
    redoc_url=None if IS_PRODUCTION else "/redoc",
)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
