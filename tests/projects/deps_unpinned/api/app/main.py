import sqlalchemy
from fastapi import FastAPI

app = FastAPI()
engine = sqlalchemy.create_engine("postgresql+psycopg://shop@db/shop")
