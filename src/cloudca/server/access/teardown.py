"""The task that destroys everything a deleted environment held (3.3: "This will destroy all the
resources in your environment").

The environment already answers 404 (``environments.mark_deleted``). This task:

1. destroys every machine on the backend and frees the host capacity it held;
2. removes every public IP's forwards and load balancers, and every network's filtering, on the
   backend;
3. deletes every row the environment owns, found from the schema itself: a table with an
   ``environment_id``, or a foreign key into such a table, transitively (so tables other domains
   add later are covered), children before parents; then the environment, its roles and members.

Each step reads the database afresh, so a repeated run after a crash finishes the job.
"""

from __future__ import annotations

from sqlalchemy import Delete, Table, delete, or_, select
from sqlalchemy.sql.elements import ColumnElement

from cloudca.server.access import revision
from cloudca.server.access.models import Environment
from cloudca.server.db.base import Base
from cloudca.server.instances import lifecycle
from cloudca.server.instances.models import Instance
from cloudca.server.networking import balancing, filtering
from cloudca.server.networking.forwarding import clear_forwards
from cloudca.server.networking.models import Network, PublicIp
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task

#: Tables that outlive the environment's contents: tasks stay readable for their 30 minutes (and
#: become invisible with the environment); the environment's own rows go last, by hand.
KEPT = frozenset({"tasks", "environments", "roles", "memberships", "usage_records"})


def owned_rows(environment_id: str) -> list[Delete]:
    """DELETE statements for every row the environment owns, children first."""
    owned: dict[Table, ColumnElement[bool]] = {}
    for table in Base.metadata.sorted_tables:  # parents before children
        if table.name in KEPT:
            continue
        conditions: list[ColumnElement[bool]] = []
        if "environment_id" in table.c:
            conditions.append(table.c.environment_id == environment_id)
        for key in table.foreign_keys:
            parent = key.column.table
            if isinstance(parent, Table) and parent in owned and parent is not table:
                conditions.append(key.parent.in_(select(key.column).where(owned[parent])))
        if conditions:
            owned[table] = or_(*conditions)
    return [delete(table).where(condition) for table, condition in reversed(owned.items())]


class DeleteEnvironment(TaskHandler):
    kind = "environments.delete"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        environment_id = task.entity_id
        async with ctx.database.session() as session:
            instance_ids = list(
                (
                    await session.execute(
                        select(Instance.id).where(Instance.environment_id == environment_id)
                    )
                ).scalars()
            )
            addresses = list(
                (
                    await session.execute(
                        select(PublicIp.ip_address).where(PublicIp.environment_id == environment_id)
                    )
                ).scalars()
            )
            networks = list(
                await session.execute(
                    select(Network.id, Network.cidr).where(Network.environment_id == environment_id)
                )
            )
        for instance_id in instance_ids:
            await ctx.driver.destroy(instance_id)
            async with ctx.database.transaction() as session:
                await lifecycle.delete_records(session, instance_id)
        for address in addresses:
            await clear_forwards(ctx.driver, address)
            await balancing.apply(ctx.driver, address, [])
        for network_id, cidr in networks:
            await filtering.apply(ctx.driver, network_id, cidr, None)
        async with ctx.database.transaction() as session:
            for statement in owned_rows(environment_id):
                await session.execute(statement.execution_options(synchronize_session=False))
            await session.execute(delete(Environment).where(Environment.id == environment_id))
            await revision.bump(session)
            await ctx.succeed(session, task, {"id": environment_id, "deleted": True})

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        """Nothing to roll back: the environment stays deleted, and a repair runs ``run`` again."""


HANDLERS: tuple[TaskHandler, ...] = (DeleteEnvironment(),)
