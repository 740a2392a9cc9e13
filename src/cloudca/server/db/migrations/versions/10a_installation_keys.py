"""Installation keys: the key that encrypts the passwords in task results, on PostgreSQL

Revision ID: 10a_installation_keys
Revises: 14a_catalogue_versions
Create Date: 2026-12-04 16:40:00

Why in the database: processes on several machines share one PostgreSQL database and must read
each other's task results. On SQLite the key is a file beside the database instead, so the
database file alone reveals nothing (see ``tasks.sealing``); the table then stays empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "10a_installation_keys"
down_revision: str | None = "14a_catalogue_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation_keys",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_installation_keys")),
    )


def downgrade() -> None:
    op.drop_table("installation_keys")
