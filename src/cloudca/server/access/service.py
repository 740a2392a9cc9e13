"""Authentication and scoping: who is calling, and in which environment they act (1.8).

Resolved once per request, at the edge (``api.authorization``), and kept per process between
requests until the access revision moves (``access.revision``): exact in every process, and free
of queries on the hot paths apart from reading that revision.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import revision
from cloudca.server.access.models import (
    ApiKey,
    Environment,
    Membership,
    Organization,
    Role,
    ServiceConnection,
    User,
)
from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.errors import Forbidden, NotFound, Unauthorized

ENVIRONMENT_ADMIN_ROLE = "Environment Admin"
USER_ROLE = "User"
READ_ONLY_ROLE = "Read-only"
STANDARD_ROLES = (ENVIRONMENT_ADMIN_ROLE, USER_ROLE, READ_ONLY_ROLE)
DEFAULT_ROLE = USER_ROLE
#: How often a key's ``last_used_at`` is written, at most, per key and process.
LAST_USE_SECONDS = 60.0
#: Organizations nest shallowly; the bound guards the walk up the tree against a cycle.
MAX_DEPTH = 32


@dataclass(frozen=True)
class Caller:
    user_id: str
    user_name: str
    organization_id: str
    is_org_admin: bool
    api_key_id: str = ""


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
    """Keys are long and random (``generate_api_key``), so a fast digest is the right one."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def generate_api_key() -> str:
    return secrets.token_urlsafe(36)


class AccessService:
    """Resolves API keys and environments; keeps resolutions while the access revision stands."""

    def __init__(self) -> None:
        self._revision: int | None = None
        self._callers: dict[str, Caller] = {}
        self._scopes: dict[tuple[str, str, str, str | None], EnvironmentScope] = {}
        self._visible: dict[tuple[str, str | None, str], bool] = {}
        self._used: dict[str, float] = {}

    async def authenticate(self, database: Database, api_key: str | None) -> Caller:
        """The caller of ``api_key``; first forgets every resolution if the access revision moved,
        so whatever a committed change revoked is refused here (call it once per request)."""
        if not api_key:
            raise Unauthorized("The MC-Api-Key header is missing")
        current = await revision.current(database)
        if current != self._revision:
            self._callers.clear()
            self._scopes.clear()
            self._visible.clear()
            self._revision = current
        digest = hash_api_key(api_key)
        caller = self._callers.get(digest)
        if caller is None:
            async with database.session() as session:
                caller = await _load_caller(session, digest)
            self._callers[digest] = caller
        await self._record_use(database, caller.api_key_id)
        return caller

    async def _record_use(self, database: Database, api_key_id: str) -> None:
        now = time.monotonic()
        last = self._used.get(api_key_id)
        if last is not None and now - last < LAST_USE_SECONDS:
            return
        self._used[api_key_id] = now
        async with database.transaction() as session:
            await session.execute(
                update(ApiKey)
                .where(ApiKey.id == api_key_id)
                .values(last_used_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    async def scope(
        self,
        database: Database,
        caller: Caller,
        service_code: str,
        environment_name: str,
        org_id: str | None,
    ) -> EnvironmentScope:
        """The environment of a ``/v1/services/{code}/{env}`` path: 404 when it does not exist in
        the acting organization, 403 when the caller is not a member (1.8)."""
        key = (caller.user_id, service_code, environment_name, org_id)
        scope = self._scopes.get(key)
        if scope is None:
            async with database.session() as session:
                scope = await self._load_scope(session, caller, service_code, environment_name, org_id)
            self._scopes[key] = scope
        return scope

    async def _load_scope(
        self,
        session: AsyncSession,
        caller: Caller,
        service_code: str,
        environment_name: str,
        org_id: str | None,
    ) -> EnvironmentScope:
        organization_id = await self.acting_organization(session, caller, org_id)
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
                    Environment.deleted_at.is_(None),
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
            can_write=role_name.lower() != READ_ONLY_ROLE.lower(),
        )

    async def role_of(self, session: AsyncSession, caller: Caller, environment: Environment) -> str | None:
        """The caller's role name in the environment; organization admins act as Environment Admin."""
        if environment.deleted_at is not None:
            return None
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
            return ENVIRONMENT_ADMIN_ROLE
        if (
            environment.membership == "ALL_ORG_USERS"
            and environment.organization_id == caller.organization_id
        ):
            default = (
                await session.execute(
                    select(Role.name).where(Role.environment_id == environment.id, Role.is_default.is_(True))
                )
            ).scalar_one_or_none()
            return default or DEFAULT_ROLE
        return None

    async def acting_organization(self, session: AsyncSession, caller: Caller, org_id: str | None) -> str:
        """The organization a request acts in: the caller's, or the one ``org_id`` names (an id or
        an entry point, 8.42) if the caller may act there. Unknown and unreachable ones alike are
        403: whether another tenant's organization exists is not the caller's business."""
        if not org_id:
            return caller.organization_id
        organization = (
            await session.execute(
                select(Organization.id).where(
                    or_(Organization.id == org_id.lower(), Organization.entry_point == org_id)
                )
            )
        ).scalar_one_or_none()
        if organization is None or not await self.may_access_organization(session, caller, organization):
            raise Forbidden(f"You may not act in the organization '{org_id}'", permission="org_id")
        return organization

    async def may_access_organization(
        self, session: AsyncSession, caller: Caller, organization_id: str
    ) -> bool:
        """The caller's own organization, or (for organization admins) one of its descendants."""
        if organization_id == caller.organization_id:
            return True
        if not caller.is_org_admin:
            return False
        return await is_descendant(session, organization_id, caller.organization_id)

    async def may_see_task(
        self, database: Database, caller: Caller, organization_id: str, environment_id: str | None
    ) -> bool:
        """A task of an environment: whoever has a role there. A task of an organization (an
        environment's deletion): that organization's admins (2.2: others get 404)."""
        key = (caller.user_id, environment_id, organization_id)
        visible = self._visible.get(key)
        if visible is None:
            async with database.session() as session:
                if environment_id is None:
                    visible = caller.is_org_admin and await self.may_access_organization(
                        session, caller, organization_id
                    )
                else:
                    environment = await session.get(Environment, environment_id)
                    visible = (
                        environment is not None
                        and await self.role_of(session, caller, environment) is not None
                    )
            self._visible[key] = visible
        return visible


async def is_descendant(session: AsyncSession, organization_id: str, ancestor_id: str) -> bool:
    """Whether ``organization_id`` lies below ``ancestor_id`` (strictly)."""
    current: str | None = organization_id
    for _ in range(MAX_DEPTH):
        if current is None:
            return False
        parent = (
            await session.execute(select(Organization.parent_id).where(Organization.id == current))
        ).scalar_one_or_none()
        if parent == ancestor_id:
            return True
        current = parent
    return False


async def _load_caller(session: AsyncSession, digest: str) -> Caller:
    row = (
        await session.execute(
            select(User, ApiKey.id)
            .join(ApiKey, ApiKey.user_id == User.id)
            .where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
        )
    ).first()
    if row is None or row[0].status != "ACTIVE":
        raise Unauthorized("The API key is not recognised")
    user, key_id = row
    return Caller(user.id, user.user_name, user.organization_id, user.is_org_admin, key_id)
