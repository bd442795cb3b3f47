import hashlib
import hmac

from fastapi import Depends, Header, HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import settings
from app.core.database import get_db
from app.models import User


def _secret() -> bytes:
    return settings.SECRET_KEY.get_secret_value().encode()


def hash_password(password: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), _secret(), 100_000)
    return digest.hex()


def make_token(user_id: int) -> str:
    signature = hmac.new(_secret(), str(user_id).encode(), "sha256").hexdigest()
    return f"{user_id}.{signature}"


async def current_user(
    authorization: str = Header(default=""), db: AsyncSession = Depends(get_db)
) -> User:
    token = authorization.removeprefix("Bearer ")
    user_id = token.partition(".")[0]
    if not user_id.isdigit() or not hmac.compare_digest(make_token(int(user_id)), token):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid token")
    user = await db.get(User, int(user_id))
    if user is None or not user.is_active:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid token")
    return user
