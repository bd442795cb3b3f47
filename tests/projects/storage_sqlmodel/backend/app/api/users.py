import base64
import hashlib
import secrets

from fastapi import APIRouter, UploadFile
from sqlmodel import Session

from app.models import Attachment, User

router = APIRouter()


def avatar_data_url(content: bytes, content_type: str) -> str:
    encoded = base64.b64encode(content).decode()
    return f"data:{content_type};base64,{encoded}"


@router.put("/users/{user_id}/avatar")
async def set_avatar(user_id: int, file: UploadFile, session: Session) -> None:
    user = session.get(User, user_id)
    raw = await file.read()
    user.avatar = avatar_data_url(raw, file.content_type or "image/png")
    session.add(user)
    session.commit()


@router.post("/attachments")
async def upload(file: UploadFile, session: Session, store) -> Attachment:
    body = await file.read()
    key = await store.put(body)
    attachment = Attachment(
        filename=file.filename or "upload",
        checksum_base64=base64.b64encode(hashlib.sha256(body).digest()).decode(),
        storage_key=key,
    )
    attachment.thumbnail = base64.b64encode(store.thumbnail(body).getvalue())
    session.add(attachment)
    session.commit()
    return attachment


@router.post("/users/{user_id}/totp")
def enable_totp(user_id: int, session: Session) -> str:
    user = session.get(User, user_id)
    user.totp_secret_base64 = base64.b32encode(secrets.token_bytes(20)).decode()
    session.add(user)
    session.commit()
    return user.totp_secret_base64
