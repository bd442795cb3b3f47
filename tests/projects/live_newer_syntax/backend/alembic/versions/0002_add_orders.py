"""add orders

Revision ID: 2b3c4d5e6f70
Revises: 1a2b3c4d5e6f
"""
import sqlalchemy as sa
from alembic import op

revision: str = "2b3c4d5e6f70"
down_revision: str | None = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("orders")
