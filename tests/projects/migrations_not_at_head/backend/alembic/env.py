from alembic import context
from sqlalchemy import create_engine, pool, text

from app.config import settings
from app.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = create_engine(settings.DATABASE_URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # This query autobegins a transaction (SQLAlchemy 2.0); Alembic then joins it instead of
        # committing its own, and closing the connection rolls every migration back.
        connection.execute(text("SELECT version()"))
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
