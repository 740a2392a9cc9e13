"""Users: create, update, delete, unlock (API-CONTRACT 3.4), and who may see whom.

A user sees themselves; organization admins see and administer the users of their organization
and the organizations below it. Another organization's user does not exist for the caller (404);
a colleague of their own organization is 403 for a caller without the right to read users.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import revision
from cloudca.server.access.bodies import UserBody, UserRole
from cloudca.server.access.environments import administered_organization
from cloudca.server.access.models import Environment, Membership, Role, User
from cloudca.server.access.roles import ADMINISTRATOR, SYSTEM_ROLES, set_member, system_role_id
from cloudca.server.access.service import AccessService, Caller
from cloudca.server.db.base import new_id
from cloudca.server.errors import Duplicate, Forbidden, InvalidField, MissingField, NotFound

ACTIVE = "ACTIVE"


async def may_see(session: AsyncSession, access: AccessService, caller: Caller, row: User) -> bool:
    if row.id == caller.user_id:
        return True
    return caller.is_org_admin and await access.may_access_organization(session, caller, row.organization_id)


async def visible(session: AsyncSession, access: AccessService, caller: Caller, user_id: str) -> User:
    row = await session.get(User, user_id.lower())
    if row is not None and await may_see(session, access, caller, row):
        return row
    if row is not None and row.organization_id == caller.organization_id:
        raise Forbidden("You may only read your own user")
    raise NotFound("users", user_id)


async def administered(session: AsyncSession, access: AccessService, caller: Caller, user_id: str) -> User:
    row = await visible(session, access, caller, user_id)
    if not caller.is_org_admin:
        raise Forbidden("Only organization admins may change users")
    return row


async def create(session: AsyncSession, access: AccessService, caller: Caller, body: UserBody) -> User:
    # D also requires first and last names; cloudca lets them default to empty (a key for a
    # dashboard has no first name).
    for field in ("userName", "email"):
        if getattr(body, field) is None:
            raise MissingField(field)
    assert body.userName is not None
    organization_id = await administered_organization(
        session, access, caller, body.organization.id if body.organization else None, "organization.id"
    )
    await _check_user_name_free(session, body.userName, None)
    row = User(
        id=new_id(),
        organization_id=organization_id,
        user_name=body.userName,
        first_name=body.firstName or "",
        last_name=body.lastName or "",
        email=body.email or "",
        status=ACTIVE,
    )
    session.add(row)
    await session.flush()
    if body.roles is not None:
        await _set_roles(session, access, caller, row, body.roles)
    await revision.bump(session)
    return row


async def update(
    session: AsyncSession, access: AccessService, caller: Caller, row: User, body: UserBody
) -> None:
    """The fields given; ``roles`` given replaces all of the user's roles (D)."""
    if body.organization is not None and body.organization.id not in (None, row.organization_id):
        raise InvalidField("organization.id", body.organization.id, "cannot be changed")
    if body.userName is not None and body.userName != row.user_name:
        await _check_user_name_free(session, body.userName, row.id)
        row.user_name = body.userName
    for field, column in (("firstName", "first_name"), ("lastName", "last_name"), ("email", "email")):
        value = getattr(body, field)
        if value is not None:
            setattr(row, column, value)
    if body.roles is not None:
        if row.id == caller.user_id and not _keeps_admin(row, body.roles):
            raise Forbidden("You may not take the Administrator role from yourself")
        await _set_roles(session, access, caller, row, body.roles)
    await session.flush()
    await revision.bump(session)


async def delete_user(session: AsyncSession, caller: Caller, row: User) -> None:
    """Its keys and memberships go with it (foreign keys cascade)."""
    if row.id == caller.user_id:
        raise Forbidden("You may not delete yourself")
    await session.execute(delete(Membership).where(Membership.user_id == row.id))
    await session.execute(delete(User).where(User.id == row.id))
    await revision.bump(session)


async def unlock(session: AsyncSession, row: User) -> None:
    row.status = ACTIVE
    await session.flush()
    await revision.bump(session)


def _keeps_admin(row: User, roles: list[UserRole]) -> bool:
    admin_id = system_role_id(row.organization_id, ADMINISTRATOR)
    return not row.is_org_admin or any(
        role.id == admin_id
        or (role.id is None and role.environment is None and (role.name or "").lower() == "administrator")
        for role in roles
    )


async def _set_roles(
    session: AsyncSession, access: AccessService, caller: Caller, row: User, roles: list[UserRole]
) -> None:
    """System roles (``Administrator``, ``End-User``) and environment roles, by id or by name."""
    is_admin = False
    memberships: dict[str, str] = {}
    for index, role in enumerate(roles):
        field = f"roles[{index}]"
        system = _system_role(row.organization_id, role)
        if system is not None:
            is_admin = is_admin or system == ADMINISTRATOR
            continue
        environment_id, role_id = await _environment_role(session, access, caller, row, role, field)
        if environment_id in memberships:
            raise InvalidField(field, role.id or role.name, "a user has one role per environment")
        memberships[environment_id] = role_id
    row.is_org_admin = is_admin
    await session.execute(delete(Membership).where(Membership.user_id == row.id))
    for environment_id, role_id in memberships.items():
        await set_member(session, environment_id, row.id, role_id)


def _system_role(organization_id: str, role: UserRole) -> str | None:
    for name in SYSTEM_ROLES:
        if role.id == system_role_id(organization_id, name):
            return name
        if role.id is None and role.environment is None and (role.name or "").lower() == name.lower():
            return name
    return None


async def _environment_role(
    session: AsyncSession, access: AccessService, caller: Caller, row: User, role: UserRole, field: str
) -> tuple[str, str]:
    query = (
        select(Role.id, Environment.id, Environment.organization_id)
        .join(Environment, Environment.id == Role.environment_id)
        .where(Environment.deleted_at.is_(None))
    )
    if role.id is not None:
        query = query.where(Role.id == role.id)
    elif role.name is not None and role.environment is not None and role.environment.id is not None:
        query = query.where(Environment.id == role.environment.id)
    else:
        raise InvalidField(field, role.name, "name a role by id, or by name with its environment")
    candidates = [
        (role_id, environment_id, organization_id)
        for role_id, environment_id, organization_id in await session.execute(query)
        if role.id is not None or _role_name_matches(await session.get(Role, role_id), role.name)
    ]
    if len(candidates) == 1:
        role_id, environment_id, organization_id = candidates[0]
        if organization_id == row.organization_id and await access.may_access_organization(
            session, caller, organization_id
        ):
            return environment_id, role_id
    raise InvalidField(field, role.id or role.name, "no such role in the user's organization")


def _role_name_matches(role: Role | None, name: str | None) -> bool:
    return role is not None and name is not None and role.name.lower() == name.lower()


async def _check_user_name_free(session: AsyncSession, user_name: str, own_id: str | None) -> None:
    taken = (await session.execute(select(User.id).where(User.user_name == user_name))).scalar_one_or_none()
    if taken is not None and taken != own_id:
        raise Duplicate("userName", user_name)
