"""Roles: the three standard roles of every environment (3.3) and the two system roles of every
organization (what D's users carry without an ``environment``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.models import Environment, Membership, Role, User
from cloudca.server.access.service import DEFAULT_ROLE, STANDARD_ROLES
from cloudca.server.db.base import new_id
from cloudca.server.errors import InvalidField

ADMINISTRATOR = "Administrator"
END_USER = "End-User"
SYSTEM_ROLES = (ADMINISTRATOR, END_USER)
_NAMESPACE = uuid.UUID("5b0e8f0c-3c3e-4c1a-9d2e-12a0c0ffee12")


def system_role_id(organization_id: str, name: str) -> str:
    """System roles are not stored: their ids derive from the organization, the same everywhere."""
    return str(uuid.uuid5(_NAMESPACE, f"{organization_id}:{name}"))


def system_role_of(user: User) -> tuple[str, str]:
    name = ADMINISTRATOR if user.is_org_admin else END_USER
    return system_role_id(user.organization_id, name), name


def add_standard_roles(
    session: AsyncSession,
    environment: Environment,
    default: str = DEFAULT_ROLE,
    role_id: Callable[[str], str] = lambda _name: new_id(),
) -> list[Role]:
    """The environment's standard roles, ``default`` the one a new member gets; ``role_id`` gives
    each role's id from its name (the first start's are derived, so every process agrees on them)."""
    roles = [
        Role(id=role_id(name), environment_id=environment.id, name=name, is_default=name == default)
        for name in STANDARD_ROLES
    ]
    session.add_all(roles)
    return roles


async def roles_of(session: AsyncSession, environment_id: str) -> list[Role]:
    return list((await session.execute(select(Role).where(Role.environment_id == environment_id))).scalars())


def find_role(roles: Sequence[Role], role_id: str | None, name: str | None, field: str) -> Role:
    """A role named by id or by name (case-insensitive: T says ``Environment admin``, 8.66)."""
    for role in roles:
        if (role_id and role.id == role_id) or (not role_id and name and role.name.lower() == name.lower()):
            return role
    raise InvalidField(field, role_id or name, "is not a role of this environment")


async def set_member(session: AsyncSession, environment_id: str, user_id: str, role_id: str) -> None:
    """Give a user a role in an environment (one role per user and environment)."""
    await session.execute(
        delete(Membership).where(Membership.environment_id == environment_id, Membership.user_id == user_id)
    )
    session.add(Membership(environment_id=environment_id, user_id=user_id, role_id=role_id))
    await session.flush()
