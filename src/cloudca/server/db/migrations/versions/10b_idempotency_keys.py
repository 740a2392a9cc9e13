"""Idempotency keys: the answers of mutations that carried an Idempotency-Key, for 24 hours

Revision ID: 10b_idempotency_keys
Revises: 10a_installation_keys
Create Date: 2026-12-04 16:50:00

Why in the database: a client's retry may reach another process, or the same one after a restart;
the primary key (owner, key) decides between concurrent first attempts in every process.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "10b_idempotency_keys"
down_revision: str | None = "10a_installation_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
