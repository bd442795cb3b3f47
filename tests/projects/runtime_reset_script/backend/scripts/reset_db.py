"""Drop and recreate the local database (development only)."""

from app.db.base import Base
from app.db.session import engine

if __name__ == "__main__":
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
