"""Affinity groups (API-CONTRACT 6.17): reads, and the checks of create, update and delete.

Users create ``host anti-affinity`` groups; ``ExplicitDedication`` groups are the operator's (seeded
configuration) and only readable. Anti-affinity is a placement rule: two members never share a host.
A create places the new machine away from the other members (``placement.scheduler``); an update
that would put two members that already share a host in one group is refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.carry import wire_columns
from cloudca.server.core.fields import Body, Str, UuidList
from cloudca.server.core.listing import ListParams, SortColumns, page_of
from cloudca.server.core.operations import Operation, Operations
from cloudca.server.core.payloads import Payload
from cloudca.server.core.rows import in_environment
from cloudca.server.errors import Duplicate, InvalidField, ServiceError, ValidationErrors
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.placement.models import AffinityGroup, AffinityMembership

ENTITY = "affinitygroups"
ANTI_AFFINITY = "host anti-affinity"
DEDICATED = "ExplicitDedication"
TYPES = (ANTI_AFFINITY, DEDICATED)


class CreateAffinityGroup(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)]
    description: Str = ""
    type: Str = ANTI_AFFINITY
    instanceIds: UuidList = Field(default_factory=list)


class UpdateAffinityGroup(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)] | None = None
    description: Str | None = None
    #: The complete new member list; absent leaves the members unchanged.
    instanceIds: UuidList | None = None


async def represent_many(session: AsyncSession, groups: list[AffinityGroup]) -> list[dict[str, Any]]:
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if groups:
        rows = await session.execute(
            select(AffinityMembership.affinity_group_id, Instance.id, Instance.name)
            .join(Instance, Instance.id == AffinityMembership.instance_id)
            .where(AffinityMembership.affinity_group_id.in_([group.id for group in groups]))
            .order_by(Instance.created_at, Instance.id)
        )
        for group_id, instance_id, name in rows:
            members[group_id].append((instance_id, name))
    return [
        {
            "id": group.id,
            "name": group.name,
            "description": group.description,
            "type": group.type,
            "instanceIds": [instance_id for instance_id, _ in members[group.id]],
            "instanceNames": [name for _, name in members[group.id]],
            "zoneIds": list(group.zone_ids or []),
        }
        for group in groups
    ]


async def represent(session: AsyncSession, group: AffinityGroup) -> dict[str, Any]:
    return (await represent_many(session, [group]))[0]


SORT: SortColumns = wire_columns(AffinityGroup, "id name description type")


async def list_groups(
    session: AsyncSession, scope: EnvironmentScope, params: ListParams, group_type: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    query = select(AffinityGroup).where(AffinityGroup.environment_id == scope.id)
    if group_type is not None:
        # Stored types are compared case-insensitively, as the filter value is (7.3).
        query = query.where(func.lower(AffinityGroup.type) == group_type.lower())
    order = (AffinityGroup.created_at, AffinityGroup.id)
    items, metadata = await page_of(session, query, params, SORT, order)
    return await represent_many(session, items), metadata


async def get_group(session: AsyncSession, scope: EnvironmentScope, group_id: str) -> AffinityGroup:
    return await in_environment(session, AffinityGroup, scope.id, group_id, ENTITY, "affinity group")


@dataclass(frozen=True)
class GroupPayload(Payload):
    """``affinitygroups.create`` and ``.update``: what to set (``None``: unchanged, on update)."""

    name: str | None = None
    description: str | None = None
    instanceIds: tuple[str, ...] | None = None


async def check_create(
    session: AsyncSession, scope: EnvironmentScope, body: CreateAffinityGroup
) -> GroupPayload:
    problems: list[ServiceError] = []
    if body.type.lower() != ANTI_AFFINITY:
        problems.append(InvalidField("type", body.type, f"only '{ANTI_AFFINITY}' groups can be created"))
    await _check_name_free(session, scope, body.name, None, problems)
    members = await check_members(session, scope, body.instanceIds, problems)
    if problems:
        raise ValidationErrors(problems)
    return GroupPayload(body.name, body.description, tuple(members) if members is not None else None)


async def check_update(
    session: AsyncSession, scope: EnvironmentScope, group: AffinityGroup, body: UpdateAffinityGroup
) -> GroupPayload:
    if group.type != ANTI_AFFINITY:
        raise InvalidField("id", group.id, "dedicated groups are managed by the operator")
    problems: list[ServiceError] = []
    if body.name is not None:
        await _check_name_free(session, scope, body.name, group.id, problems)
    members = None
    if body.instanceIds is not None:
        members = await check_members(session, scope, body.instanceIds, problems)
    if problems:
        raise ValidationErrors(problems)
    return GroupPayload(body.name, body.description, tuple(members) if members is not None else None)


#: A group has no ``?operation=`` (6.17): a request without one updates it, any other is refused
#: (``UNKNOWN_OPERATION``), not taken for an update.
OPERATIONS = Operations(
    ENTITY, default=Operation("update", "affinitygroups.update", check_update, UpdateAffinityGroup)
)


def check_delete(group: AffinityGroup) -> None:
    if group.type != ANTI_AFFINITY:
        raise InvalidField("id", group.id, "dedicated groups are managed by the operator")


async def _check_name_free(
    session: AsyncSession,
    scope: EnvironmentScope,
    name: str,
    own_id: str | None,
    problems: list[ServiceError],
) -> None:
    taken = await session.execute(
        select(AffinityGroup.id).where(AffinityGroup.environment_id == scope.id, AffinityGroup.name == name)
    )
    other = taken.scalar_one_or_none()
    if other is not None and other != own_id:
        problems.append(Duplicate("name", name, f"An affinity group named {name} already exists"))


async def check_members(
    session: AsyncSession, scope: EnvironmentScope, instance_ids: list[str], problems: list[ServiceError]
) -> list[str]:
    """Members must be placed, live instances of the environment, each on its own host."""
    members: list[str] = []
    hosts: dict[str, str] = {}
    for instance_id in dict.fromkeys(instance_ids):
        instance = await session.get(Instance, instance_id)
        if instance is None or instance.environment_id != scope.id:
            problems.append(InvalidField("instanceIds", instance_id, "no such instance in this environment"))
            continue
        if instance.state not in (states.RUNNING, states.STOPPED, states.ERROR) or instance.host_id is None:
            problems.append(
                InvalidField(
                    "instanceIds", instance_id, f"the instance is {instance.state}, not Running or Stopped"
                )
            )
            continue
        if instance.host_id in hosts:
            problems.append(
                InvalidField(
                    "instanceIds",
                    instance_id,
                    f"shares a host with member {hosts[instance.host_id]}; anti-affinity forbids it",
                )
            )
            continue
        hosts[instance.host_id] = instance_id
        members.append(instance_id)
    return members
