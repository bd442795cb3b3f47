from fastapi import FastAPI

from app.config import settings

app = FastAPI(title="shop", debug=not settings.secret_key)
