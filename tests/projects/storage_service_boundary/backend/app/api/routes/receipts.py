import base64

from fastapi import APIRouter, Depends, UploadFile
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import Receipt
from app.services import llm, storage

router = APIRouter()


@router.post("/receipts")
async def scan_receipt(file: UploadFile, db: Session = Depends(get_db)):
    content = await file.read()
    image_b64 = base64.b64encode(content).decode()
    summary = llm.describe_image(image_b64, file.content_type or "image/png")
    key = storage.put_object(content, file.content_type or "image/png")
    receipt = Receipt(summary=summary, storage_key=key)
    db.add(receipt)
    db.commit()
    return {"id": receipt.id, "summary": summary}
