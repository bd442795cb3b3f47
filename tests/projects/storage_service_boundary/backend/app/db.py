from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("postgresql+psycopg://app@db/app")


def get_db() -> Iterator[Session]:
    with Session(engine) as session:
        yield session
