"""Catalogue versions: a counter per table whose names an instance list shows, bumped by triggers

Revision ID: 14a_catalogue_versions
Revises: 16a_network_rules
Create Date: 2026-12-04 17:00:00

Why: a page of instances shows, for each instance, the names of its zone, template, compute offering,
network and VPC. Joining five tables for every row cost more than the rest of the page; each process
now keeps those names in memory (``instances.read_model``) and checks these counters, one indexed
read, on every page. Triggers rather than code in the write paths: the counter moves in the very
statement that inserts, deletes or renames the row, in the same transaction, in every process and
for every writer (an operator's SQL included), so a cache checked against it is never stale. Only
the columns the list shows fire the update triggers, so no hot write path (which never renames a
catalogue entry) touches a counter row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "14a_catalogue_versions"
down_revision: str | None = "16a_network_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Each table the instance list takes names from, and the columns of it that the list shows.
WATCHED = {
    "zones": ("name",),
    "templates": ("name", "password_enabled", "ssh_key_enabled", "username"),
    "compute_offerings": ("name",),
    "networks": ("name", "vpc_id"),
    "vpcs": ("name",),
}

_POSTGRESQL_FUNCTION = """
    CREATE FUNCTION cloudca_bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE catalogue_versions SET version = version + 1 WHERE name = TG_TABLE_NAME;
        RETURN NULL;
    END
    $$
"""


def _sqlite_triggers(table: str, columns: tuple[str, ...]) -> list[str]:
    # The table names are this module's constants, never input.
    bump = f"UPDATE catalogue_versions SET version = version + 1 WHERE name = '{table}';"  # noqa: S608
    events = {"insert": "INSERT", "delete": "DELETE", "update": f"UPDATE OF {', '.join(columns)}"}
    return [
        f"CREATE TRIGGER catalogue_version_{table}_{suffix} AFTER {event} ON {table} BEGIN {bump} END"
        for suffix, event in events.items()
    ]


def _postgresql_triggers(table: str, columns: tuple[str, ...]) -> list[str]:
    # Per statement: a bulk insert bumps once; the counter only has to move, not count.
    return [
        f"CREATE TRIGGER catalogue_version_{table}_insert_delete AFTER INSERT OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION cloudca_bump_catalogue_version()",
        f"CREATE TRIGGER catalogue_version_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION cloudca_bump_catalogue_version()",
    ]


def upgrade() -> None:
    versions = op.create_table(
        "catalogue_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_catalogue_versions")),
    )
    op.bulk_insert(versions, [{"name": table, "version": 0} for table in WATCHED])
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(_POSTGRESQL_FUNCTION)
    for table, columns in WATCHED.items():
        for statement in (_postgresql_triggers if postgresql else _sqlite_triggers)(table, columns):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        if postgresql:
            for suffix in ("insert_delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS catalogue_version_{table}_{suffix} ON {table}")
        else:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS catalogue_version_{table}_{suffix}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS cloudca_bump_catalogue_version()")
    op.drop_table("catalogue_versions")
