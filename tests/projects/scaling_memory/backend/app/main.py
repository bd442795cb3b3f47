from fastapi import APIRouter, FastAPI

from app.middleware.throttle import IPThrottleMiddleware

router = APIRouter()


@router.get("/items")
async def list_items() -> list[str]:
    return ["baklava", "jalebi"]


app = FastAPI(title="Throttled API")
app.add_middleware(IPThrottleMiddleware, max_per_second=20)
app.include_router(router, prefix="/api/v1")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
