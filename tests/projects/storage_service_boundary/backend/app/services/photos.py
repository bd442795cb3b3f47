from sqlalchemy.orm import Session

from app.models import Photo


def save_photo(db: Session, owner_id: int, image: str, caption: str = "") -> Photo:
    photo = Photo(owner_id=owner_id, caption=caption)
    photo.data_url = image
    db.add(photo)
    db.commit()
    return photo
