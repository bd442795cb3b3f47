from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import User

router = APIRouter()


class ProfileIn(BaseModel):
    email: str
    avatar_data_url: str | None = None  # canvas.toDataURL() from the cropper


@router.put("/users/{user_id}")
def update_profile(user_id: int, body: ProfileIn, db: Session = Depends(get_db)):
    user = db.get(User, user_id)
    user.email = body.email
    user.avatar = body.avatar_data_url
    db.commit()
    return {"ok": True}
