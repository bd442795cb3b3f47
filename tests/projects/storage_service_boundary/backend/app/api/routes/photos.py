import base64

from fastapi import APIRouter, Depends, UploadFile
from sqlalchemy.orm import Session

from app.db import get_db
from app.services.photos import save_photo

router = APIRouter()


@router.post("/photos")
async def upload_photo(file: UploadFile, owner_id: int, db: Session = Depends(get_db)):
    raw = await file.read()
    encoded = base64.b64encode(raw).decode()
    photo = save_photo(db, owner_id, f"data:{file.content_type};base64,{encoded}")
    return {"id": photo.id}
