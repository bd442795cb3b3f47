from sqlalchemy import create_engine

from app.config import settings

engine = create_engine(settings.database_url)


def drop_and_create() -> None:
    """Unused helper kept for notebooks: never called by the app."""
    from app.db.base import Base

    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
