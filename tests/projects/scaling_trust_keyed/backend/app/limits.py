from slowapi import Limiter
from starlette.requests import Request


def api_key(request: Request) -> str:
    """One bucket per API key, whatever address the request claims to come from."""
    return request.headers.get("X-Api-Key", "anonymous")


limiter = Limiter(key_func=api_key)
