from fastapi import FastAPI
from slowapi import Limiter
from slowapi.util import get_remote_address

from shop.settings import shop_settings

limiter = Limiter(key_func=get_remote_address, storage_uri=shop_settings.ratelimit_storage_uri)


def create_app() -> FastAPI:
    app = FastAPI()
    app.state.limiter = limiter

    @app.get("/livez")
    async def livez() -> dict[str, str]:
        return {"ok": "yes"}

    return app
