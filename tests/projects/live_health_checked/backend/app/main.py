from fastapi import FastAPI

from app.api.health import router as health_router
from app.api.items import router as items_router

app = FastAPI()
app.include_router(health_router, prefix="/api/v1")
app.include_router(items_router, prefix="/api/v1")
