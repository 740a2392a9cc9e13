"""Tasks on the resources an instance touches (keys, volumes, public IPs, rules, NICs, VPCs, ...).

Their work is mostly a database change; some also bring the driver in line (disks, NICs, port
forwards). The shape is always the same, so it lives here once:

1. ``prepare``: driver calls that make the backend look as it will after the change (outside any
   transaction; they may take seconds). Nothing is written yet, so a failure here changes nothing.
2. ``apply``: the database change and the task's SUCCESS, in one transaction. Conditional UPDATEs
   and constraints re-check what the request checked, so a race is refused here, atomically.
3. ``undo`` after any failure: ``resync`` puts the backend back in line with the database (which
   holds no trace of a failed ``apply``); it reads the database, so running it twice is harmless.
"""

from __future__ import annotations

import abc
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.payloads import Payload
from cloudca.server.db.base import new_id
from cloudca.server.runtime import Runtime
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


async def submit(
    runtime: Runtime,
    scope: EnvironmentScope,
    *,
    kind: str,
    entity_type: str,
    entity_id: str | None = None,
    payload: Payload | dict[str, Any] | None = None,
) -> str:
    """Record a task for an entity (a new one, the task's to create, without ``entity_id``) and hand
    it to a worker; returns the task id."""
    if isinstance(payload, Payload):
        payload = payload.to_json()
    task_id = new_id()
    async with runtime.database.transaction() as session:
        runtime.tasks.new_task(
            session,
            kind=kind,
            organization_id=scope.organization_id,
            environment_id=scope.id,
            entity_type=entity_type,
            entity_id=entity_id or new_id(),
            payload=payload or {},
            task_id=task_id,
        )
    runtime.tasks.dispatch(task_id)
    return task_id


def new_entity(task: Task) -> dict[str, str]:
    """The keys of the entity a creating task makes: the id its request answered with
    (``entity_id``), in the task's environment. ``Model(**new_entity(task), name=...)``."""
    assert task.environment_id is not None
    return {"id": task.entity_id, "environment_id": task.environment_id}


class EntityTask(TaskHandler):
    """A change to one entity: optional driver work first, then one transaction."""

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        """Driver calls that come before the database change (none by default)."""

    @abc.abstractmethod
    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        """Write the change inside ``session``; return the task's result (the entity's representation)."""

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        """Make the backend match the database again after a failure (nothing by default)."""

    async def run(self, ctx: TaskContext, task: Task) -> None:
        await self.prepare(ctx, task)
        async with ctx.database.transaction() as session:
            result = await self.apply(ctx, session, task)
            await ctx.succeed(session, task, result)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        await self.resync(ctx, task)
