"""0002_add_index

Revision ID: 3c4d5e6f7081
Revises: 1a2b3c4d5e6f
"""
from alembic import op

revision = "3c4d5e6f7081"
down_revision = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SELECT 1")


def downgrade() -> None:
    pass
