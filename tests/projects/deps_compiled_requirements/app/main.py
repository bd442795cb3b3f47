import httpx
import idna
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine

app = FastAPI()
engine = create_engine("sqlite://")


class Host(BaseModel):
    name: str


@app.post("/hosts")
async def add(host: Host) -> dict[str, str]:
    async with httpx.AsyncClient() as client:
        await client.get(f"https://{idna.encode(host.name).decode()}")
    return {"host": host.name}
