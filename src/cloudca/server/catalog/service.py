"""Catalog lookups scoped to an environment: shared offerings and zones, public and private templates.

The catalog changes only by configuration, so lookups used on the hot path (instance creation and
representation) are cached per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog.models import SharedRow, Template, Zone
from cloudca.server.catalog.representations import KINDS
from cloudca.server.core.listing import ListParams, page, page_of
from cloudca.server.errors import InvalidField, NotFound, ServiceError


async def list_shared(
    session: AsyncSession, model: type[SharedRow], scope: EnvironmentScope
) -> list[SharedRow]:
    """Zones and offerings of the environment's service connection, in configuration order."""
    rows = await session.execute(
        select(model)
        .where(model.service_connection_id == scope.service_connection_id)
        .order_by(model.position, model.name)
    )
    return list(rows.scalars())


async def page_shared(
    session: AsyncSession, model: type[SharedRow], scope: EnvironmentScope, params: ListParams
) -> tuple[list[SharedRow], dict[str, Any]]:
    """A page of the zones or offerings of the environment's service connection."""
    return await page_of(
        session,
        select(model).where(model.service_connection_id == scope.service_connection_id),
        params,
        KINDS[model].sort,
        (model.position, model.name, model.id),
    )


async def find_shared(
    session: AsyncSession, model: type[SharedRow], scope: EnvironmentScope, entity_id: str
) -> SharedRow | None:
    row = await session.get(model, entity_id.lower())
    if row is None or row.service_connection_id != scope.service_connection_id:
        return None
    return row


async def check_shared(
    session: AsyncSession,
    model: type[SharedRow],
    scope: EnvironmentScope,
    field: str,
    entity_id: str,
    problems: list[ServiceError],
) -> SharedRow | None:
    """The entry a body's ``field`` names; when there is none, ``None`` and a problem for ``field``
    (a request's checks gather every problem before refusing)."""
    row = await find_shared(session, model, scope, entity_id)
    if row is None:
        problems.append(InvalidField(field, entity_id, f"no such {KINDS[model].noun}"))
    return row


async def check_zone(
    session: AsyncSession, scope: EnvironmentScope, zone_id: str | None, problems: list[ServiceError]
) -> Zone | None:
    """The zone a request names in ``zoneId`` (a problem when there is none such), else the first
    zone of the service connection: where a new VPC or volume goes when the request does not say."""
    if zone_id is not None:
        return await check_shared(session, Zone, scope, "zoneId", zone_id, problems)
    zones = await list_shared(session, Zone, scope)
    return zones[0] if zones else None


async def get_shared(
    session: AsyncSession, model: type[SharedRow], scope: EnvironmentScope, entity_id: str
) -> SharedRow:
    row = await find_shared(session, model, scope, entity_id)
    if row is None:
        raise NotFound(KINDS[model].entity_type, entity_id)
    return row


@dataclass(frozen=True)
class Shared(Generic[SharedRow]):
    """Zones, or one kind of offering, as the API serves them: the service connection's, read-only."""

    model: type[SharedRow]

    def represent(self, row: SharedRow) -> dict[str, Any]:
        result: dict[str, Any] = KINDS[self.model].represent(row)
        return result

    async def page(
        self, session: AsyncSession, scope: EnvironmentScope, params: ListParams
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        rows, metadata = await page_shared(session, self.model, scope, params)
        return [self.represent(row) for row in rows], metadata

    async def get(self, session: AsyncSession, scope: EnvironmentScope, entity_id: str) -> SharedRow:
        return await get_shared(session, self.model, scope, entity_id)


def _templates_visible(scope: EnvironmentScope) -> ColumnElement[bool]:
    return (Template.service_connection_id == scope.service_connection_id) & or_(
        Template.is_public.is_(True), Template.environment_id == scope.id
    )


async def list_templates(
    session: AsyncSession, scope: EnvironmentScope, params: ListParams
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A page of the environment's private templates and every public template."""
    rows, metadata = await page(
        session,
        select(Template).where(_templates_visible(scope)),
        params,
        KINDS[Template].sort,
        (Template.position, Template.name, Template.id),
    )
    return [KINDS[Template].represent(row[0]) for row in rows], metadata


async def find_template(session: AsyncSession, scope: EnvironmentScope, template_id: str) -> Template | None:
    row = await session.get(Template, template_id.lower())
    if row is None or row.service_connection_id != scope.service_connection_id:
        return None
    if not row.is_public and row.environment_id != scope.id:
        return None
    return row


async def get_template(session: AsyncSession, scope: EnvironmentScope, template_id: str) -> Template:
    row = await find_template(session, scope, template_id)
    if row is None:
        raise NotFound(KINDS[Template].entity_type, template_id)
    return row
