"""Authentication and scoping: who is calling, and in which environment they act (1.8)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.models import (
    ApiKey,
    Environment,
    Membership,
    Organization,
    Role,
    ServiceConnection,
    User,
)
from cloudca.server.db.engine import Database
from cloudca.server.errors import Forbidden, NotFound, Unauthorized

#: How long a resolved key or environment is reused without asking the database. Bounds how long a
#: revoked key or a removed membership keeps working in a process that has seen it.
CACHE_SECONDS = 5.0

READ_ONLY_ROLE = "Read-only"
STANDARD_ROLES = ("Environment Admin", "User", READ_ONLY_ROLE)
DEFAULT_ROLE = "User"


@dataclass(frozen=True)
class Caller:
    user_id: str
    user_name: str
    organization_id: str
    is_org_admin: bool


@dataclass(frozen=True)
class EnvironmentScope:
    """The environment a ``/v1/services/{code}/{env}`` request acts in, and the caller's rights there."""

    id: str
    name: str
    organization_id: str
    service_connection_id: str
    service_code: str
    can_write: bool


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def generate_api_key() -> str:
    return secrets.token_urlsafe(36)


class AccessService:
    """Resolves API keys and environments, with a short in-process cache for the hot path."""

    def __init__(self) -> None:
        self._callers: dict[str, tuple[float, Caller]] = {}
        self._scopes: dict[tuple[str, str, str, str | None], tuple[float, EnvironmentScope]] = {}

    def cached_caller(self, api_key: str) -> Caller | None:
        """The caller of ``api_key`` if this process resolved it within ``CACHE_SECONDS``."""
        cached = self._callers.get(hash_api_key(api_key))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return None

    def cached_scope(
        self, user_id: str, service_code: str, environment_name: str, org_id: str | None
    ) -> EnvironmentScope | None:
        """The scope ``scope()`` resolved for this caller within ``CACHE_SECONDS``, if any."""
        cached = self._scopes.get((user_id, service_code, environment_name, org_id))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return None

    async def authenticate(self, database: Database, api_key: str | None) -> Caller:
        if not api_key:
            raise Unauthorized("The MC-Api-Key header is missing")
        digest = hash_api_key(api_key)
        now = time.monotonic()
        cached = self._callers.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with database.session() as session:
            caller = await self._load_caller(session, digest)
        self._callers[digest] = (now + CACHE_SECONDS, caller)
        return caller

    async def _load_caller(self, session: AsyncSession, digest: str) -> Caller:
        row = (
            await session.execute(
                select(User)
                .join(ApiKey, ApiKey.user_id == User.id)
                .where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
            )
        ).scalar_one_or_none()
        if row is None or row.status != "ACTIVE":
            raise Unauthorized("The API key is not recognised")
        return Caller(row.id, row.user_name, row.organization_id, row.is_org_admin)

    async def scope(
        self,
        database: Database,
        caller: Caller,
        service_code: str,
        environment_name: str,
        org_id: str | None,
    ) -> EnvironmentScope:
        key = (caller.user_id, service_code, environment_name, org_id)
        now = time.monotonic()
        cached = self._scopes.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with database.session() as session:
            scope = await self._load_scope(session, caller, service_code, environment_name, org_id)
        self._scopes[key] = (now + CACHE_SECONDS, scope)
        return scope

    async def _load_scope(
        self,
        session: AsyncSession,
        caller: Caller,
        service_code: str,
        environment_name: str,
        org_id: str | None,
    ) -> EnvironmentScope:
        organization_id = await self._acting_organization(session, caller, org_id)
        connection = (
            await session.execute(
                select(ServiceConnection).where(ServiceConnection.service_code == service_code)
            )
        ).scalar_one_or_none()
        if connection is None or service_code == "connections":
            raise NotFound("serviceConnection", service_code, f"No service with code '{service_code}'")
        environment = (
            await session.execute(
                select(Environment).where(
                    Environment.organization_id == organization_id,
                    Environment.service_connection_id == connection.id,
                    Environment.name == environment_name,
                )
            )
        ).scalar_one_or_none()
        if environment is None:
            raise NotFound("environment", environment_name, f"No environment named '{environment_name}'")
        role_name = await self.role_of(session, caller, environment)
        if role_name is None:
            raise Forbidden(f"You are not a member of the environment '{environment_name}'")
        return EnvironmentScope(
            id=environment.id,
            name=environment.name,
            organization_id=environment.organization_id,
            service_connection_id=connection.id,
            service_code=connection.service_code,
            can_write=role_name != READ_ONLY_ROLE,
        )

    async def role_of(self, session: AsyncSession, caller: Caller, environment: Environment) -> str | None:
        """The caller's role name in the environment; organization admins act as Environment Admin."""
        role = (
            await session.execute(
                select(Role.name)
                .join(Membership, Membership.role_id == Role.id)
                .where(Membership.environment_id == environment.id, Membership.user_id == caller.user_id)
            )
        ).scalar_one_or_none()
        if role is not None:
            return role
        if caller.is_org_admin and await self.may_access_organization(
            session, caller, environment.organization_id
        ):
            return STANDARD_ROLES[0]
        if (
            environment.membership == "ALL_ORG_USERS"
            and environment.organization_id == caller.organization_id
        ):
            return DEFAULT_ROLE
        return None

    async def _acting_organization(self, session: AsyncSession, caller: Caller, org_id: str | None) -> str:
        if not org_id:
            return caller.organization_id
        organization = (
            await session.execute(
                select(Organization).where(
                    or_(Organization.id == org_id.lower(), Organization.entry_point == org_id)
                )
            )
        ).scalar_one_or_none()
        if organization is None or not await self.may_access_organization(session, caller, organization.id):
            raise Forbidden(f"You may not act in the organization '{org_id}'", permission="org_id")
        return organization.id

    async def may_access_organization(
        self, session: AsyncSession, caller: Caller, organization_id: str
    ) -> bool:
        """The caller's own organization, or (for organization admins) one of its descendants."""
        if organization_id == caller.organization_id:
            return True
        if not caller.is_org_admin:
            return False
        current: str | None = organization_id
        for _ in range(32):  # organizations nest shallowly; the bound guards against a cycle
            if current is None:
                return False
            parent = (
                await session.execute(select(Organization.parent_id).where(Organization.id == current))
            ).scalar_one_or_none()
            if parent == caller.organization_id:
                return True
            current = parent
        return False
