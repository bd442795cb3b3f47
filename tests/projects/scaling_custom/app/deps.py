import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request, status

WINDOW_SECONDS = 60
_hits: defaultdict[str, deque[float]] = defaultdict(deque)


def login_rate_limit(request: Request) -> None:
    """A ``Depends`` dependency: five login attempts per minute and client."""
    client = request.headers.get("X-Real-IP") or "anonymous"
    now = time.monotonic()
    window = _hits[client]
    while window and window[0] < now - WINDOW_SECONDS:
        window.popleft()
    if len(window) >= 5:
        raise HTTPException(status_code=status.HTTP_429_TOO_MANY_REQUESTS)
    window.append(now)
