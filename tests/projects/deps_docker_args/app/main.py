import asyncpg
import boto3
from fastapi import FastAPI
from redis.asyncio import Redis

app = FastAPI()
cache = Redis()
s3 = boto3.client("s3")


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"db": asyncpg is not None}
