"""Organizations and sub-organizations: create, update, delete (API-CONTRACT 3.2).

An organization admin administers their organization and every organization below it; they may
create sub-organizations anywhere in that tree, and delete any of them except their own.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import revision
from cloudca.server.access.bodies import OrganizationBody
from cloudca.server.access.environments import administered_organization
from cloudca.server.access.models import Environment, Organization, ServiceConnection, User
from cloudca.server.access.service import AccessService, Caller
from cloudca.server.db.base import new_id
from cloudca.server.errors import Duplicate, EntityInUse, Forbidden, InvalidField, MissingField, NotFound
from cloudca.server.tasks.models import FINISHED, Task


async def visible(
    session: AsyncSession, access: AccessService, caller: Caller, organization_id: str
) -> Organization:
    """The caller's organization, or one below it for its admins; any other does not exist (404)."""
    row = await session.get(Organization, organization_id.lower())
    if row is None or not await access.may_access_organization(session, caller, row.id):
        raise NotFound("organizations", organization_id)
    return row


async def administered(
    session: AsyncSession, access: AccessService, caller: Caller, organization_id: str
) -> Organization:
    row = await visible(session, access, caller, organization_id)
    if not caller.is_org_admin:
        raise Forbidden("Only organization admins may change an organization")
    return row


async def create(
    session: AsyncSession, access: AccessService, caller: Caller, body: OrganizationBody
) -> Organization:
    if body.name is None:
        raise MissingField("name")
    if body.entryPoint is None:
        raise MissingField("entryPoint")
    parent_id = await administered_organization(
        session, access, caller, body.parent.id if body.parent else None, "parent.id"
    )
    await _check_entry_point_free(session, body.entryPoint, None)
    await _check_connections(session, body)
    row = Organization(id=new_id(), name=body.name, entry_point=body.entryPoint.lower(), parent_id=parent_id)
    session.add(row)
    await session.flush()
    await revision.bump(session)
    return row


async def update(
    session: AsyncSession, access: AccessService, caller: Caller, row: Organization, body: OrganizationBody
) -> None:
    """Name and entry point; the parent cannot change (D); service connections may be resent. The
    caller administers ``row`` (``administered``); nothing here depends on who they are."""
    if body.parent is not None and body.parent.id not in (None, row.parent_id):
        raise InvalidField("parent.id", body.parent.id, "cannot be changed")
    await _check_connections(session, body)
    if body.name is not None:
        row.name = body.name
    if body.entryPoint is not None and body.entryPoint.lower() != row.entry_point:
        await _check_entry_point_free(session, body.entryPoint, row.id)
        row.entry_point = body.entryPoint.lower()
    await session.flush()
    await revision.bump(session)


async def delete_organization(session: AsyncSession, caller: Caller, row: Organization) -> None:
    """Not the caller's own, not while it has sub-organizations, environments or running tasks
    (D); its users and their keys go with it."""
    if row.id == caller.organization_id:
        raise Forbidden("You may not delete your own organization")
    for dependant, query in (
        ("organizations", select(Organization.id).where(Organization.parent_id == row.id)),
        ("environments", select(Environment.id).where(Environment.organization_id == row.id)),
        ("tasks", select(Task.id).where(Task.organization_id == row.id, Task.status.not_in(FINISHED))),
    ):
        if (await session.execute(query.limit(1))).first() is not None:
            raise EntityInUse(
                f"The organization still has {dependant}",
                entity_type="organizations",
                entity_id=row.id,
                dependants=[dependant],
            )
    await session.execute(delete(Task).where(Task.organization_id == row.id))
    await session.execute(delete(User).where(User.organization_id == row.id))
    await session.execute(delete(Organization).where(Organization.id == row.id))
    await revision.bump(session)


async def _check_entry_point_free(session: AsyncSession, entry_point: str, own_id: str | None) -> None:
    taken = (
        await session.execute(select(Organization.id).where(Organization.entry_point == entry_point.lower()))
    ).scalar_one_or_none()
    if taken is not None and taken != own_id:
        raise Duplicate("entryPoint", entry_point)


async def _check_connections(session: AsyncSession, body: OrganizationBody) -> None:
    """Every organization may use every service connection of this server; named ones must exist."""
    for index, reference in enumerate(body.serviceConnections or []):
        if reference.id is not None and await session.get(ServiceConnection, reference.id) is None:
            raise InvalidField(f"serviceConnections[{index}].id", reference.id, "no such service connection")
