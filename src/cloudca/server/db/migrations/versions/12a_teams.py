"""Teams: named API keys with their last use, deletable environments, the access revision

Revision ID: 12a_teams
Revises: 0003
Create Date: 2026-12-04 16:40:00

Why an access revision: each process keeps what it resolved from an API key (the caller, their
environments and roles) so the hot paths need no query for it. Every change to who may do what
(a key revoked, a user removed or locked, a membership or an environment changed) increments this
one counter in the transaction that makes the change; every request reads it first and drops the
process's resolutions when it moved. A revoked key is refused by every process from the moment
the revocation commits, at the cost of one primary-key read per request.

``environments.deleted_at``: a deleted environment answers 404 at once, while a task destroys what
it held; the row stays (renamed, so its name can be reused) until then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "12a_teams"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=255), server_default="", nullable=False))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("environments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    revision_table = op.create_table(
        "access_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_revision")),
    )
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    op.drop_table("access_revision")
    with op.batch_alter_table("environments", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("name")
