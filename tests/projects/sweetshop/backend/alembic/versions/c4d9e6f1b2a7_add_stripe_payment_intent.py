"""add stripe payment intent to orders

Revision ID: c4d9e6f1b2a7
Revises: 8b71e0c2a9f4
Create Date: 2025-05-20 09:02:45.006127

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "c4d9e6f1b2a7"
down_revision: Union[str, None] = "8b71e0c2a9f4"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        "orders", sa.Column("stripe_payment_intent", sa.String(length=255), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("orders", "stripe_payment_intent")
