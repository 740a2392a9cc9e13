"""Task workers (process liveness) and, on PostgreSQL, a NOTIFY when a task ends

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00

Why a trigger rather than a NOTIFY in Python: every path that ends a task (a handler's
``succeed``, the runner's failure, a crash repair, a manual UPDATE by an operator) wakes the
``?wait=`` long-polls of every process, and the notification is sent only if the transaction that
ended the task commits.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The channel ``tasks.runner`` LISTENs on; the payload is the task id.
CHANNEL = "cloudca_task_ended"


def upgrade() -> None:
    op.create_table(
        "task_workers",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("lock_key", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_workers")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_task_workers_lock_key")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_lease_owner"), ["lease_owner"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION cloudca_notify_task_ended() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{CHANNEL}', NEW.id);
                RETURN NULL;
            END
            $$
            """
        )
        op.execute(
            """
            CREATE TRIGGER tasks_notify_ended
            AFTER UPDATE OF status ON tasks
            FOR EACH ROW
            WHEN (NEW.status IN ('SUCCESS', 'FAILED') AND OLD.status IS DISTINCT FROM NEW.status)
            EXECUTE FUNCTION cloudca_notify_task_ended()
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tasks_notify_ended ON tasks")
        op.execute("DROP FUNCTION IF EXISTS cloudca_notify_task_ended()")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_lease_owner"))
    op.drop_table("task_workers")
