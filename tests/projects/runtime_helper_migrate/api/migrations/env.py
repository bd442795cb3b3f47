from alembic import context

from app.db.models import Base

target_metadata = Base.metadata
with context.begin_transaction():
    context.run_migrations()
