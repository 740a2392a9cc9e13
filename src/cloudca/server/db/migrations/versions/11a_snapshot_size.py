"""Snapshots record their size: the bytes their copy occupies on the backend

Revision ID: 11a_snapshot_size
Revises: 11b_console_tickets
Create Date: 2026-12-04 21:00:00

Why a column: the size is what the driver reported when it made the copy; listing snapshots must
not ask the backend about each of them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "11a_snapshot_size"
down_revision: str | None = "11b_console_tickets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("size_bytes", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("size_bytes")
