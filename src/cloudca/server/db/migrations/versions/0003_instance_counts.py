"""Per-environment instance counts, kept exact by triggers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:30:00

Why: a list's ``recordCount`` is the total before paging (API-CONTRACT 7), and counting an
environment's rows costs time in proportion to them (32 ms at 100,000 instances on SQLite, more
than the page itself). Triggers rather than code in the create and purge paths: the count changes
in the very statement that inserts or deletes the instance, in every process and for every writer
(the bench's bulk seeding and an operator's SQL included), so it cannot drift.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER instances_count_insert AFTER INSERT ON instances
    BEGIN
        INSERT INTO instance_counts (environment_id, instance_count) VALUES (NEW.environment_id, 1)
        ON CONFLICT (environment_id) DO UPDATE SET instance_count = instance_count + 1;
    END
    """,
    """
    CREATE TRIGGER instances_count_delete AFTER DELETE ON instances
    BEGIN
        UPDATE instance_counts SET instance_count = instance_count - 1
        WHERE environment_id = OLD.environment_id;
    END
    """,
    """
    CREATE TRIGGER instances_count_move AFTER UPDATE OF environment_id ON instances
    WHEN NEW.environment_id IS NOT OLD.environment_id
    BEGIN
        UPDATE instance_counts SET instance_count = instance_count - 1
        WHERE environment_id = OLD.environment_id;
        INSERT INTO instance_counts (environment_id, instance_count) VALUES (NEW.environment_id, 1)
        ON CONFLICT (environment_id) DO UPDATE SET instance_count = instance_count + 1;
    END
    """,
)

_POSTGRESQL = (
    """
    CREATE FUNCTION cloudca_count_instances() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE instance_counts SET instance_count = instance_count - 1
            WHERE environment_id = OLD.environment_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO instance_counts (environment_id, instance_count) VALUES (NEW.environment_id, 1)
            ON CONFLICT (environment_id) DO UPDATE
            SET instance_count = instance_counts.instance_count + 1;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER instances_count_insert_delete AFTER INSERT OR DELETE ON instances
    FOR EACH ROW EXECUTE FUNCTION cloudca_count_instances()
    """,
    """
    CREATE TRIGGER instances_count_move AFTER UPDATE OF environment_id ON instances
    FOR EACH ROW WHEN (NEW.environment_id IS DISTINCT FROM OLD.environment_id)
    EXECUTE FUNCTION cloudca_count_instances()
    """,
)


def upgrade() -> None:
    op.create_table(
        "instance_counts",
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("instance_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_instance_counts_environment_id_environments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("environment_id", name=op.f("pk_instance_counts")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # Instances inserted between the count below and the triggers would be missed.
        op.execute("LOCK TABLE instances IN SHARE MODE")
    op.execute(
        "INSERT INTO instance_counts (environment_id, instance_count) "
        "SELECT environment_id, COUNT(*) FROM instances GROUP BY environment_id"
    )
    for statement in _POSTGRESQL if postgresql else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS instances_count_move ON instances")
        op.execute("DROP TRIGGER IF EXISTS instances_count_insert_delete ON instances")
        op.execute("DROP FUNCTION IF EXISTS cloudca_count_instances()")
    else:
        for name in ("instances_count_move", "instances_count_delete", "instances_count_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("instance_counts")
