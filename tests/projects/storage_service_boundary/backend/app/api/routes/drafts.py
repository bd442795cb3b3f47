from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import Draft

router = APIRouter()


class DraftIn(BaseModel):
    title: str
    preview: str


@router.post("/drafts")
def create_draft(payload: DraftIn, db: Session = Depends(get_db)):
    if not payload.preview.startswith("data:image/"):
        raise HTTPException(422, "preview must be an image")
    draft = Draft(
        title=payload.title,
        meta={"preview": payload.preview, "version": 1},
    )
    db.add(draft)
    db.commit()
    return {"id": draft.id}
