from fastapi import FastAPI

from app.api.routes import drafts, photos, profile, receipts

app = FastAPI()
for module in (drafts, photos, profile, receipts):
    app.include_router(module.router)
