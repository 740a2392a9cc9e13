"""The SSH key tasks: register and delete. Both are one transaction; nothing reaches the driver
(a key is installed on a machine only by instance create and associateSSHKey)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import carry, payloads, unique
from cloudca.server.errors import Duplicate
from cloudca.server.sshkeys.models import SshKey
from cloudca.server.sshkeys.service import RegisterPayload, represent
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


class RegisterSshKey(EntityTask):
    kind = "sshkeys.create"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = RegisterPayload.from_json(task.payload)
        key = SshKey(**new_entity(task), **carry.columns(payload))
        # The unique (environment, name) constraint settles a race between two registrations.
        async with unique.refused_as(
            session, Duplicate("name", key.name, f"An SSH key named {key.name} already exists")
        ):
            session.add(key)
        return represent(key)


class DeleteSshKey(EntityTask):
    kind = "sshkeys.delete"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        key = await session.get(SshKey, task.entity_id)
        result = represent(key) if key is not None else payloads.Deleted.from_json(task.payload).last
        # Decision 6.16: instances that use the key keep it installed and keep its name.
        await session.execute(delete(SshKey).where(SshKey.id == task.entity_id))
        return result


HANDLERS: tuple[TaskHandler, ...] = (RegisterSshKey(), DeleteSshKey())
