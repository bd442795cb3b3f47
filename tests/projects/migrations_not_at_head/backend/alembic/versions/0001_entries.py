"""entries

Revision ID: e0e0e0e0e001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "e0e0e0e0e001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("memo", sa.String(length=200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("entries")
