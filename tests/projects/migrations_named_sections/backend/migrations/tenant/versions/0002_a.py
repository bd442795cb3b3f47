"""0002_a

Revision ID: 70000000000b
Revises: 70000000000a
"""
from alembic import op

revision = "70000000000b"
down_revision = '70000000000a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SELECT 1")


def downgrade() -> None:
    pass
