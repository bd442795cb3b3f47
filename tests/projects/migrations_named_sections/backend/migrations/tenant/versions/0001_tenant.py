"""0001_tenant

Revision ID: 70000000000a
Revises: None
"""
from alembic import op

revision = "70000000000a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SELECT 1")


def downgrade() -> None:
    pass
