from fastapi import FastAPI

from app.memory.setup import load_defaults
from app.plugins.mail import send

app = FastAPI()
DEFAULTS = load_defaults()


@app.get("/health")
def health() -> dict[str, str]:
    send("up")
    return {"status": "ok"}
