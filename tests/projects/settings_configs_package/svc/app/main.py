import os

from fastapi import FastAPI

from app.configs.services import ServiceConfig

app = FastAPI()


@app.get("/items")
def items() -> dict[str, object]:
    if os.getenv("FEATURE_NEW_ITEMS") == "1":
        return {"items": [], "source": ServiceConfig.API_BASE_URL}
    return {"items": []}
