from fastapi import Depends, FastAPI

from app.asgi_limit import BurstGuard
from app.deps import login_rate_limit
from app.redis_limit import RedisLimit

app = FastAPI()
app.add_middleware(BurstGuard)
app.add_middleware(RedisLimit)


@app.post("/login", dependencies=[Depends(login_rate_limit)])
async def login() -> dict[str, str]:
    return {"token": "t"}
