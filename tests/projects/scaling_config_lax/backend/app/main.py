from fastapi import FastAPI

from app.config import settings
from app.mailer import send_welcome

app = FastAPI(title=f"Signup ({settings.ENVIRONMENT})")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/signup")
async def signup(email: str) -> dict[str, str]:
    return {"mail": send_welcome(email)}
