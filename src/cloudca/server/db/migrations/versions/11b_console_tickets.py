"""Console tickets: short-lived, single-use permissions to attach to an instance's serial console

Revision ID: 11b_console_tickets
Revises: 12b_usage_records
Create Date: 2026-12-04 21:00:00

A browser cannot put the API key header on a WebSocket, so it first asks (with the header) for a
ticket and puts that in the console's URL. Only the ticket's SHA-256 is stored; redeeming it
deletes the row, so a ticket works once, in whichever process the WebSocket reaches.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "11b_console_tickets"
down_revision: str | None = "12b_usage_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_tickets",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_console_tickets_instance_id_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_console_tickets")),
    )
    op.create_index(op.f("ix_console_tickets_expires_at"), "console_tickets", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_tickets_expires_at"), table_name="console_tickets")
    op.drop_table("console_tickets")
