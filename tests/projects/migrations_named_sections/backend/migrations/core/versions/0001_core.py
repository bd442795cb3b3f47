"""0001_core

Revision ID: c0000000000a
Revises: None
"""
from alembic import op

revision = "c0000000000a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SELECT 1")


def downgrade() -> None:
    pass
