"""Wire representations of the administration entities (API-CONTRACT 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.models import Environment, Membership, Organization, Role, ServiceConnection, User
from cloudca.server.access.roles import SYSTEM_ROLES, system_role_id, system_role_of
from cloudca.server.db.base import iso


def service_connection(row: ServiceConnection) -> dict[str, Any]:
    return {
        "id": row.id,
        "serviceCode": row.service_code,
        "name": row.name,
        "type": row.type,
        "category": "IAAS",
        "status": {"lastUpdated": iso(row.created_at), "reachable": True},
    }


async def organization(session: AsyncSession, row: Organization) -> dict[str, Any]:
    environments = await session.execute(
        select(Environment.id).where(Environment.organization_id == row.id, Environment.deleted_at.is_(None))
    )
    users = await session.execute(select(User.id, User.user_name).where(User.organization_id == row.id))
    connections = await session.execute(select(ServiceConnection.id, ServiceConnection.service_code))
    roles = await session.execute(
        select(Role.id)
        .join(Environment, Environment.id == Role.environment_id)
        .where(Environment.organization_id == row.id, Environment.deleted_at.is_(None))
    )
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "entryPoint": row.entry_point,
        "billableStartDate": iso(row.created_at),
        "isBillable": row.is_billable,
        "tags": [],
        "environments": [{"id": env_id} for env_id in environments.scalars()],
        "roles": [
            *({"id": system_role_id(row.id, name)} for name in SYSTEM_ROLES),
            *({"id": role_id} for role_id in roles.scalars()),
        ],
        "serviceConnections": [{"id": sc_id, "serviceCode": code} for sc_id, code in connections],
        "users": [{"id": user_id, "userName": name} for user_id, name in users],
    }
    if row.parent_id:
        parent = await session.get(Organization, row.parent_id)
        if parent is not None:
            body["parent"] = {"id": parent.id, "name": parent.name}
    return body


async def environment(session: AsyncSession, row: Environment) -> dict[str, Any]:
    organization_row = await session.get(Organization, row.organization_id)
    connection = await session.get(ServiceConnection, row.service_connection_id)
    assert organization_row is not None and connection is not None
    members = await session.execute(
        select(User.id, User.user_name, Role.id)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.environment_id == row.id)
        .order_by(User.user_name)
    )
    member_rows = list(members)
    roles = await session.execute(select(Role).where(Role.environment_id == row.id).order_by(Role.name))
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "membership": row.membership,
        "creationDate": iso(row.created_at),
        "organization": {
            "id": organization_row.id,
            "name": organization_row.name,
            "entryPoint": organization_row.entry_point,
        },
        "serviceConnection": {
            "id": connection.id,
            "name": connection.name,
            "serviceCode": connection.service_code,
        },
        "users": [{"id": user_id, "userName": name} for user_id, name, _ in member_rows],
        "roles": [
            {
                "id": role.id,
                "name": role.name,
                "isDefault": role.is_default,
                "users": [
                    {"id": user_id, "userName": name, "name": name}
                    for user_id, name, role_id in member_rows
                    if role_id == role.id
                ],
            }
            for role in roles.scalars()
        ],
    }


async def user(session: AsyncSession, row: User, *, detailed: bool) -> dict[str, Any]:
    organization_row = await session.get(Organization, row.organization_id)
    assert organization_row is not None
    body: dict[str, Any] = {
        "id": row.id,
        "userName": row.user_name,
        "firstName": row.first_name,
        "lastName": row.last_name,
        "email": row.email,
        "creationDate": iso(row.created_at),
        "status": row.status,
        "organization": {"id": organization_row.id, "name": organization_row.name},
    }
    memberships = await session.execute(
        select(Environment.id, Environment.name, Role.id, Role.name)
        .join(Membership, Membership.environment_id == Environment.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.user_id == row.id, Environment.deleted_at.is_(None))
        .order_by(Environment.name)
    )
    rows = list(memberships)
    system_id, system_name = system_role_of(row)
    body["roles"] = [
        {"id": system_id, "name": system_name},
        *(
            {"id": role_id, "name": role_name, "environment": {"id": env_id}}
            for env_id, _, role_id, role_name in rows
        ),
    ]
    if detailed:
        body["environments"] = [{"id": env_id, "name": env_name} for env_id, env_name, _, _ in rows]
    return body
