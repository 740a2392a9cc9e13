"""The base of every instance task, and the two helpers they share.

Pattern: driver calls happen outside database transactions (they may take seconds); the last
transaction writes the instance's final state and ends the task together (``ctx.succeed``). A failure
or a crash runs ``undo``: a create is rolled back completely, any other operation leaves the instance
in the stable state the driver reports (or ``Error`` when the machine is gone).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.catalog.models import Template
from cloudca.server.drivers.base import PowerState
from cloudca.server.errors import InternalError, ServiceError
from cloudca.server.instances import reconcile, states
from cloudca.server.instances.models import Instance
from cloudca.server.instances.representation import represent_one
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task

#: The power a stable state had, for an instance whose host cannot say (its last known state).
_POWER_OF = {states.RUNNING: PowerState.RUNNING, states.STOPPED: PowerState.STOPPED}
_DERIVED = uuid.UUID("6c6f7564-6361-4000-8000-000000000000")


def derived_id(task: Task, purpose: str) -> str:
    """Ids of what a task creates, derived from the task, so a repeated undo finds them again."""
    return str(uuid.uuid5(_DERIVED, f"{task.id}:{purpose}"))


class InstanceTask(TaskHandler):
    """Base of every instance task: loading, finishing, and the generic repair."""

    async def bound(self, ctx: TaskContext, task: Task) -> Instance | None:
        """The task's instance, or ``None`` when it is gone or another task holds it (an undo that
        already ran has nothing left to do)."""
        async with ctx.database.session() as session:
            instance = await session.get(Instance, task.entity_id)
        return instance if instance is not None and instance.task_id == task.id else None

    async def load(self, ctx: TaskContext, task: Task) -> Instance:
        instance = await self.bound(ctx, task)
        if instance is None:
            raise InternalError("The instance is no longer bound to this task")
        return instance

    async def template_of(self, ctx: TaskContext, instance: Instance) -> Template:
        """The instance's template: the guest's user name (passwords and SSH keys are set for it)."""
        async with ctx.database.session() as session:
            template = await session.get(Template, instance.template_id)
        assert template is not None  # templates are never deleted
        return template

    async def finish(
        self,
        ctx: TaskContext,
        task: Task,
        state: str,
        changes: dict[str, Any] | None = None,
        extra_result: dict[str, Any] | None = None,
        session: AsyncSession | None = None,
    ) -> None:
        """Write the final state, release the instance and end the task, in one transaction."""
        if session is None:
            async with ctx.database.transaction() as own:
                await self.finish(ctx, task, state, changes, extra_result, own)
            return
        await session.execute(
            update(Instance)
            .where(Instance.id == task.entity_id, Instance.task_id == task.id)
            .values(state=state, stable_state=state, task_id=None, **(changes or {}))
            .execution_options(synchronize_session=False)
        )
        result = await represent_one(session, task.entity_id)
        if result is not None and extra_result:
            result.update(extra_result)
        await ctx.succeed(session, task, result)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.bound(ctx, task)
        if instance is None:
            return
        try:
            power = await ctx.driver.power_state(instance.id)
        except ServiceError:  # the backend would not say (ctx.driver maps its failures)
            power = None
            async with ctx.database.session() as session:
                if await reconcile.silent_host(session, instance.id) is not None:
                    # A host marked Down: its instances keep their last known state (``hostDown``).
                    power = _POWER_OF.get(instance.stable_state)
        if instance.stable_state == states.DESTROYED and power is not PowerState.RUNNING:
            state = states.DESTROYED
        elif power is PowerState.RUNNING:
            state = states.RUNNING
        elif power is PowerState.STOPPED:
            state = states.STOPPED
        else:
            state = states.ERROR
        async with ctx.database.transaction() as session:
            await session.execute(
                update(Instance)
                .where(Instance.id == instance.id, Instance.task_id == task.id)
                .values(state=state, stable_state=state, task_id=None)
                .execution_options(synchronize_session=False)
            )

    async def abandon(self, ctx: TaskContext, task: Task) -> None:
        """The backend would not say or restore what it has: ``Error`` is the truth, and it still
        lets the user destroy the instance (capacity stays reserved until then)."""
        async with ctx.database.transaction() as session:
            await session.execute(
                update(Instance)
                .where(Instance.id == task.entity_id, Instance.task_id == task.id)
                .values(state=states.ERROR, stable_state=states.ERROR, task_id=None)
                .execution_options(synchronize_session=False)
            )
