from fastapi import FastAPI

app = FastAPI(title="No limits")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/menu")
async def menu() -> list[str]:
    return ["tea"]
