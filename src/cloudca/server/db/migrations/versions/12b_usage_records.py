"""Usage records: when each instance ran (and on which offering), each volume's size, each public IP

Revision ID: 12b_usage_records
Revises: 10b_idempotency_keys
Create Date: 2026-12-04 17:30:00

Why triggers: a usage record must change in the very transaction that changes the state it
measures, or a crash between the two would leave usage that never happened (or lose usage that
did). A trigger fires in the statement that inserts, updates or deletes the row, for every
writer (task handlers, an environment's teardown, an operator's SQL), so the records are exact
without any code in the write paths. ``access.usage`` sums them into the usage summary (3.5).

One record per interval: ``ended_at`` is NULL while it lasts. Instances count while their stable
state is ``Running``, per compute offering; volumes while they exist, per GB; public IPs while
they are held. No foreign keys: usage outlives environments and organizations.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "12b_usage_records"
down_revision: str | None = "10b_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%S', 'now') || '.' || substr(strftime('%f', 'now'), 4) || '000'"
_PG_NOW = "(now() AT TIME ZONE 'utc')"


def _open(now: str, row: str, kind: str, secondary: str, quantity: str, when: str = "") -> str:
    """INSERT ... SELECT of a new interval for ``row`` (NEW), with its environment's owners (DDL
    from this module's constants only)."""
    where = f"e.id = {row}.environment_id" + (f" AND {when}" if when else "")
    columns = "organization_id, service_connection_id, environment_id, usage_type, resource_id, secondary"
    values = f"e.organization_id, e.service_connection_id, e.id, '{kind}', {row}.id, {secondary}"
    return " ".join(
        [
            f"INSERT INTO usage_records ({columns}, quantity, started_at)",
            f"SELECT {values}, {quantity}, {now} FROM environments e WHERE {where}",  # noqa: S608
        ]
    )


def _close(now: str, when: str = "") -> str:
    condition = f" AND {when}" if when else ""
    return " ".join(
        [
            "UPDATE usage_records",
            f"SET ended_at = {now}",
            f"WHERE resource_id = OLD.id AND ended_at IS NULL{condition}",
        ]
    )


_INSTANCE_CHANGED = (
    "(NEW.stable_state <> OLD.stable_state OR NEW.compute_offering_id <> OLD.compute_offering_id)"
)
_RUNNING = "NEW.stable_state = 'Running'"
_SQLITE_RUN = _open(_SQLITE_NOW, "NEW", "INSTANCE", "NEW.compute_offering_id", "1", _RUNNING)
_PG_RUN = _open(_PG_NOW, "NEW", "INSTANCE", "NEW.compute_offering_id", "1", _RUNNING)
_SQLITE = [
    f"""CREATE TRIGGER usage_instances_insert AFTER INSERT ON instances
    BEGIN {_SQLITE_RUN}; END""",
    f"""CREATE TRIGGER usage_instances_update AFTER UPDATE OF stable_state, compute_offering_id ON instances
    WHEN {_INSTANCE_CHANGED}
    BEGIN
        {_close(_SQLITE_NOW)};
        {_SQLITE_RUN};
    END""",
    f"CREATE TRIGGER usage_instances_delete AFTER DELETE ON instances BEGIN {_close(_SQLITE_NOW)}; END",
    f"""CREATE TRIGGER usage_volumes_insert AFTER INSERT ON volumes
    BEGIN {_open(_SQLITE_NOW, "NEW", "VOLUME", "NULL", "NEW.size_gb")}; END""",
    f"""CREATE TRIGGER usage_volumes_update AFTER UPDATE OF size_gb ON volumes WHEN NEW.size_gb <> OLD.size_gb
    BEGIN {_close(_SQLITE_NOW)}; {_open(_SQLITE_NOW, "NEW", "VOLUME", "NULL", "NEW.size_gb")}; END""",
    f"CREATE TRIGGER usage_volumes_delete AFTER DELETE ON volumes BEGIN {_close(_SQLITE_NOW)}; END",
    f"""CREATE TRIGGER usage_public_ips_insert AFTER INSERT ON public_ips
    BEGIN {_open(_SQLITE_NOW, "NEW", "PUBLIC_IP", "NULL", "1")}; END""",
    f"CREATE TRIGGER usage_public_ips_delete AFTER DELETE ON public_ips BEGIN {_close(_SQLITE_NOW)}; END",
]


def _pg_function(table: str, on_insert: str, on_update: str) -> str:
    return f"""
    CREATE FUNCTION cloudca_usage_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {on_insert}
        ELSIF TG_OP = 'UPDATE' THEN
            {on_update}
        ELSE
            {_close(_PG_NOW)};
        END IF;
        RETURN NULL;
    END $$"""


_PG_TRIGGERS = {
    "instances": (
        _pg_function(
            "instances",
            f"{_PG_RUN};",
            f"""IF {_INSTANCE_CHANGED} THEN
                {_close(_PG_NOW)};
                {_PG_RUN};
            END IF;""",
        ),
        "UPDATE OF stable_state, compute_offering_id",
    ),
    "volumes": (
        _pg_function(
            "volumes",
            f"{_open(_PG_NOW, 'NEW', 'VOLUME', 'NULL', 'NEW.size_gb')};",
            f"""IF NEW.size_gb <> OLD.size_gb THEN
                {_close(_PG_NOW)};
                {_open(_PG_NOW, "NEW", "VOLUME", "NULL", "NEW.size_gb")};
            END IF;""",
        ),
        "UPDATE OF size_gb",
    ),
    "public_ips": (
        _pg_function("public_ips", f"{_open(_PG_NOW, 'NEW', 'PUBLIC_IP', 'NULL', '1')};", "NULL;"),
        "",
    ),
}


def upgrade() -> None:
    op.create_table(
        "usage_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("service_connection_id", sa.String(length=36), nullable=False),
        sa.Column("environment_id", sa.String(length=36), nullable=False),
        sa.Column("usage_type", sa.String(length=20), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("secondary", sa.String(length=36), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_records")),
    )
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_usage_records_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_usage_records_resource_id"), ["resource_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, (function, update_events) in _PG_TRIGGERS.items():
            op.execute(function)
            events = " OR ".join(part for part in ("INSERT", update_events, "DELETE") if part)
            op.execute(
                f"CREATE TRIGGER usage_{table} AFTER {events} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION cloudca_usage_{table}()"
            )
    else:
        for statement in _SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS usage_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS cloudca_usage_{table}()")
    else:
        for table, events in (
            ("instances", ("insert", "update", "delete")),
            ("volumes", ("insert", "update", "delete")),
            ("public_ips", ("insert", "delete")),
        ):
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS usage_{table}_{event}")
    op.drop_table("usage_records")
