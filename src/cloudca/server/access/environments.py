"""Environments: create, update, delete (API-CONTRACT 3.3), with their roles and members.

Rights: organization admins administer the environments of their organization and its
sub-organizations. Everyone else sees the environments they have a role in; another organization's
environment does not exist for them (404), one of their own organization they are not in is 403.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import revision
from cloudca.server.access.bodies import MEMBERSHIPS, CreateEnvironment, RoleAssignment, UpdateEnvironment
from cloudca.server.access.models import Environment, Membership, Organization, ServiceConnection, User
from cloudca.server.access.roles import add_standard_roles, find_role, roles_of, set_member
from cloudca.server.access.service import AccessService, Caller, is_descendant
from cloudca.server.db.base import new_id, utcnow
from cloudca.server.errors import Duplicate, Forbidden, InvalidField, MissingField, NotFound

#: The task that destroys what a deleted environment held (``access.teardown``).
DELETE_TASK = "environments.delete"


async def visible(
    session: AsyncSession, access: AccessService, caller: Caller, environment_id: str
) -> Environment:
    """The environment if the caller may read it (a role there): else 403 in their own
    organization, 404 elsewhere."""
    environment = await session.get(Environment, environment_id.lower())
    if environment is None or environment.deleted_at is not None:
        raise NotFound("environments", environment_id)
    if await access.role_of(session, caller, environment) is not None:
        return environment
    if environment.organization_id == caller.organization_id:
        raise Forbidden("You are not a member of this environment")
    raise NotFound("environments", environment_id)


async def administered(
    session: AsyncSession, access: AccessService, caller: Caller, environment_id: str
) -> Environment:
    """The environment if the caller administers its organization (403/404 as ``visible``)."""
    environment = await visible(session, access, caller, environment_id)
    if not (
        caller.is_org_admin
        and await access.may_access_organization(session, caller, environment.organization_id)
    ):
        raise Forbidden("Only organization admins may change an environment")
    return environment


async def administered_organization(
    session: AsyncSession, access: AccessService, caller: Caller, organization_id: str | None, field: str
) -> str:
    """An organization named in a body, which the caller must administer (400 otherwise: a body
    reference that does not exist for the caller, 1.7)."""
    if organization_id is None:
        return caller.organization_id
    exists = await session.get(Organization, organization_id)
    if exists is None or not await access.may_access_organization(session, caller, organization_id):
        raise InvalidField(field, organization_id, "no such organization")
    return organization_id


async def create(
    session: AsyncSession, access: AccessService, caller: Caller, body: CreateEnvironment
) -> Environment:
    organization_id = await administered_organization(
        session, access, caller, body.organization.id if body.organization else None, "organization.id"
    )
    if body.serviceConnection is None or body.serviceConnection.id is None:
        raise MissingField("serviceConnection.id")
    if await session.get(ServiceConnection, body.serviceConnection.id) is None:
        raise InvalidField("serviceConnection.id", body.serviceConnection.id, "no such service connection")
    environment = Environment(
        id=new_id(),
        organization_id=organization_id,
        service_connection_id=body.serviceConnection.id,
        name=body.name,
        description=body.description,
        membership=_membership(body.membership) or "MANY_USERS",
    )
    await _check_name_free(session, environment, body.name)
    session.add(environment)
    await session.flush()
    add_standard_roles(session, environment)
    await session.flush()
    await _assign(session, access, caller, environment, body.roles or [])
    await revision.bump(session)
    return environment


async def update(
    session: AsyncSession,
    access: AccessService,
    caller: Caller,
    environment: Environment,
    body: UpdateEnvironment,
) -> None:
    """Name, description, membership and the listed roles' members; ``organization`` and
    ``serviceConnection`` may be resent (T does) but not changed (8.67)."""
    if body.organization is not None and body.organization.id not in (None, environment.organization_id):
        raise InvalidField("organization.id", body.organization.id, "cannot be changed")
    connection = body.serviceConnection
    if connection is not None and connection.id not in (None, environment.service_connection_id):
        raise InvalidField("serviceConnection.id", connection.id, "cannot be changed")
    if body.name is not None and body.name != environment.name:
        await _check_name_free(session, environment, body.name)
        environment.name = body.name
    if body.description is not None:
        environment.description = body.description
    membership = _membership(body.membership)
    if membership is not None:
        environment.membership = membership
    await _assign(session, access, caller, environment, body.roles or [])
    await session.flush()
    await revision.bump(session)


async def mark_deleted(session: AsyncSession, environment: Environment) -> None:
    """From this commit on the environment does not exist for the API (404), in every process;
    its name is free again. ``access.teardown`` destroys what it held, then the row."""
    environment.deleted_at = utcnow()
    environment.name = f"~deleted~{environment.id}"
    await session.flush()
    await revision.bump(session)


def _membership(value: str | None) -> str | None:
    if value is None:
        return None
    if value.upper() not in MEMBERSHIPS:
        raise InvalidField("membership", value, f"must be one of {', '.join(MEMBERSHIPS)}")
    return value.upper()


async def _check_name_free(session: AsyncSession, environment: Environment, name: str) -> None:
    taken = await session.execute(
        select(Environment.id).where(
            Environment.organization_id == environment.organization_id,
            Environment.service_connection_id == environment.service_connection_id,
            Environment.name == name,
            Environment.id != environment.id,
        )
    )
    if taken.first() is not None:
        raise Duplicate("name", name)


async def _assign(
    session: AsyncSession,
    access: AccessService,
    caller: Caller,
    environment: Environment,
    assignments: list[RoleAssignment],
) -> None:
    """Each listed role gets exactly the listed users; roles not listed keep theirs (3.3)."""
    if not assignments:
        return
    roles = await roles_of(session, environment.id)
    seen: set[str] = set()
    for index, assignment in enumerate(assignments):
        role = find_role(roles, assignment.id, assignment.name, f"roles[{index}]")
        if assignment.isDefault:
            for other in roles:
                other.is_default = other.id == role.id
        if assignment.users is None:
            continue
        wanted = [member.id for member in assignment.users]
        for user_id in wanted:
            if user_id in seen:
                raise InvalidField(f"roles[{index}].users", user_id, "a user has one role per environment")
            seen.add(user_id)
            await _check_member(session, access, caller, environment, user_id, f"roles[{index}].users")
        await session.execute(
            delete(Membership).where(
                Membership.environment_id == environment.id,
                Membership.role_id == role.id,
                Membership.user_id.not_in(wanted),
            )
        )
        for user_id in wanted:
            await set_member(session, environment.id, user_id, role.id)
    try:
        await session.flush()
    except IntegrityError as exc:  # a user deleted concurrently
        raise InvalidField("roles", None, "a listed user no longer exists") from exc


async def _check_member(
    session: AsyncSession,
    access: AccessService,
    caller: Caller,
    environment: Environment,
    user_id: str,
    field: str,
) -> None:
    """Members come from the environment's organization, or from an organization above it that
    the caller administers."""
    user = await session.get(User, user_id)
    if user is not None:
        if user.organization_id == environment.organization_id:
            return
        if await access.may_access_organization(
            session, caller, user.organization_id
        ) and await is_descendant(session, environment.organization_id, user.organization_id):
            return
    raise InvalidField(field, user_id, "no such user in the environment's organization")
