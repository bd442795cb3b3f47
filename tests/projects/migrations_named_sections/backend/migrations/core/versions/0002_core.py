"""0002_core

Revision ID: c0000000000b
Revises: c0000000000a
"""
from alembic import op

revision = "c0000000000b"
down_revision = 'c0000000000a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SELECT 1")


def downgrade() -> None:
    pass
