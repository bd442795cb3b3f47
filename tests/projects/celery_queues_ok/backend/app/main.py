from fastapi import FastAPI

from app.config import settings
from app.tasks import export_csv

hide = settings.ENVIRONMENT == "production"
app = FastAPI(
    docs_url=None if hide else "/docs",
    redoc_url=None,
    openapi_url=None if hide else "/openapi.json",
)


@app.post("/exports")
def export() -> dict[str, str]:
    export_csv.apply_async(args=[1], queue="exports")
    return {"status": "queued"}
