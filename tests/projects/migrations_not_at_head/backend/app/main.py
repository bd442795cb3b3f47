from fastapi import FastAPI
from sqlalchemy import create_engine

from app.config import settings
from app.models import Base

app = FastAPI()

if settings.APP_ENV == "development":
    Base.metadata.create_all(create_engine(settings.DATABASE_URL))
