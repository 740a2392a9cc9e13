"""The affinity group tasks: create, update, delete. Database only: membership changes move no
machine (the members' hosts were checked to be distinct when the request was accepted, and are
checked again here, in the transaction that records them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import payloads, unique
from cloudca.server.errors import Duplicate, InvalidField
from cloudca.server.instances.models import Instance
from cloudca.server.placement import affinity
from cloudca.server.placement.affinity import GroupPayload
from cloudca.server.placement.models import AffinityGroup, AffinityMembership
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


async def _set_members(session: AsyncSession, group_id: str, instance_ids: list[str]) -> None:
    hosts: dict[str, str] = {}
    for instance_id in instance_ids:
        instance = await session.get(Instance, instance_id, populate_existing=True)
        if instance is None or instance.host_id is None:
            raise InvalidField("instanceIds", instance_id, "the instance no longer exists")
        if instance.host_id in hosts:
            raise InvalidField("instanceIds", instance_id, "shares a host with another member")
        hosts[instance.host_id] = instance_id
    await session.execute(delete(AffinityMembership).where(AffinityMembership.affinity_group_id == group_id))
    session.add_all(AffinityMembership(affinity_group_id=group_id, instance_id=i) for i in instance_ids)
    await session.flush()


async def _insert_group(session: AsyncSession, group: AffinityGroup) -> None:
    async with unique.refused_as(
        session, Duplicate("name", group.name, f"An affinity group named {group.name} already exists")
    ):
        session.add(group)


class CreateAffinityGroup(EntityTask):
    kind = "affinitygroups.create"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = GroupPayload.from_json(task.payload)
        assert payload.name is not None
        group = AffinityGroup(
            **new_entity(task),
            name=payload.name,
            description=payload.description or "",
            type=affinity.ANTI_AFFINITY,
        )
        await _insert_group(session, group)
        await _set_members(session, group.id, list(payload.instanceIds or ()))
        return await affinity.represent(session, group)


class UpdateAffinityGroup(EntityTask):
    kind = "affinitygroups.update"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        group = await session.get(AffinityGroup, task.entity_id)
        if group is None:
            raise InvalidField("id", task.entity_id, "the affinity group no longer exists")
        payload = GroupPayload.from_json(task.payload)
        async with unique.refused_as(session, Duplicate("name", payload.name or group.name)):
            if payload.name is not None:
                group.name = payload.name
            if payload.description is not None:
                group.description = payload.description
        if payload.instanceIds is not None:
            await _set_members(session, group.id, list(payload.instanceIds))
        return await affinity.represent(session, group)


class DeleteAffinityGroup(EntityTask):
    kind = "affinitygroups.delete"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        group = await session.get(AffinityGroup, task.entity_id)
        if group is None:
            return payloads.Deleted.from_json(task.payload).last
        result = await affinity.represent(session, group)
        await session.execute(
            delete(AffinityMembership).where(AffinityMembership.affinity_group_id == group.id)
        )
        await session.execute(delete(AffinityGroup).where(AffinityGroup.id == group.id))
        return result


HANDLERS: tuple[TaskHandler, ...] = (CreateAffinityGroup(), UpdateAffinityGroup(), DeleteAffinityGroup())
