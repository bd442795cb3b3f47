from fastapi import APIRouter, Depends, File, HTTPException, UploadFile
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from app.api.deps import current_user
from app.core.database import get_db
from app.models import ProcessedImage, User
from app.services import storage

router = APIRouter(prefix="/images", tags=["images"])

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImageOut(BaseModel):
    id: int
    filename: str
    url: str
    status: str


@router.post("", response_model=ImageOut, status_code=201)
async def upload_image(
    file: UploadFile = File(...),
    product_id: int | None = None,
    user: User = Depends(current_user),
    db: AsyncSession = Depends(get_db),
) -> ImageOut:
    if file.content_type not in {"image/png", "image/jpeg", "image/webp"}:
        raise HTTPException(415, "Unsupported image type")
    data = await file.read()
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, "Image too large")

    filename = file.filename or "upload"
    key = storage.new_key(filename)
    url = await run_in_threadpool(storage.upload, key, data, file.content_type)
    image = ProcessedImage(
        product_id=product_id,
        filename=filename,
        content_type=file.content_type,
        storage_key=key,
        original_url=url,
    )
    db.add(image)
    await db.commit()
    return ImageOut(id=image.id, filename=image.filename, url=image.original_url, status=image.status)
