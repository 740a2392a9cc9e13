"""The administration lists (API-CONTRACT 3), paged in SQL: who sees which rows is a condition of
the query, the same rules as ``AccessService.may_access_organization`` and ``role_of`` one row at
a time, so a page holds exactly the rows the caller may see and ``recordCount`` counts them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import api_keys
from cloudca.server.access import representations as rep
from cloudca.server.access.models import (
    ApiKey,
    Environment,
    Membership,
    Organization,
    ServiceConnection,
    User,
)
from cloudca.server.access.service import MAX_DEPTH, Caller
from cloudca.server.core.carry import wire_columns
from cloudca.server.core.listing import ListParams, SortColumns, given, page, page_of

Page = tuple[list[dict[str, Any]], dict[str, Any]]


async def _represented(
    session: AsyncSession,
    query: Select[Any],
    params: ListParams,
    sort: SortColumns,
    order: tuple[Any, ...],
    represent: Callable[[AsyncSession, Any], Awaitable[dict[str, Any]]],
) -> Page:
    """A page of ``query``'s rows, each represented (representations that read more rows)."""
    rows, metadata = await page(session, query, params, sort, order)
    return [await represent(session, row[0]) for row in rows], metadata


def accessible_organizations(caller: Caller) -> Select[Any]:
    """The ids of the organizations the caller may access: their own and, for organization admins,
    those below it (as deep as ``is_descendant`` looks)."""
    if not caller.is_org_admin:
        return select(literal(caller.organization_id))
    tree = (
        select(Organization.id, literal(0).label("depth"))
        .where(Organization.id == caller.organization_id)
        .cte("tree", recursive=True)
    )
    tree = tree.union_all(
        select(Organization.id, (tree.c.depth + 1).label("depth"))
        .join(tree, Organization.parent_id == tree.c.id)
        .where(tree.c.depth < MAX_DEPTH)
    )
    return select(tree.c.id)


def _has_role(caller: Caller) -> ColumnElement[bool]:
    """``role_of(caller, environment) is not None`` as a condition on ``Environment``."""
    member = exists().where(Membership.environment_id == Environment.id, Membership.user_id == caller.user_id)
    conditions = [
        member,
        and_(
            Environment.membership == "ALL_ORG_USERS", Environment.organization_id == caller.organization_id
        ),
    ]
    if caller.is_org_admin:
        conditions.append(Environment.organization_id.in_(accessible_organizations(caller)))
    return and_(Environment.deleted_at.is_(None), or_(*conditions))


CONNECTION_SORT: SortColumns = {
    **wire_columns(ServiceConnection, "id serviceCode name type"),
    "category": literal("IAAS"),
}


async def service_connections(session: AsyncSession, params: ListParams) -> Page:
    order = (ServiceConnection.service_code,)
    items, metadata = await page_of(session, select(ServiceConnection), params, CONNECTION_SORT, order)
    return [rep.service_connection(item) for item in items], metadata


ORGANIZATION_SORT: SortColumns = wire_columns(
    Organization, "id name entryPoint billableStartDate isBillable", billableStartDate="created_at"
)


async def organizations(session: AsyncSession, caller: Caller, params: ListParams) -> Page:
    """The caller's organization, and the organizations below it for organization admins."""
    query = select(Organization).where(Organization.id.in_(accessible_organizations(caller)))
    order = (Organization.created_at, Organization.id)
    return await _represented(session, query, params, ORGANIZATION_SORT, order, rep.organization)


ENVIRONMENT_SORT: SortColumns = wire_columns(
    Environment, "id name description membership creationDate", creationDate="created_at"
)


async def environments(session: AsyncSession, caller: Caller, params: ListParams) -> Page:
    """Environments the caller has a role in (all of their organizations' for organization admins)."""
    query = select(Environment).where(_has_role(caller))
    order = (Environment.created_at, Environment.id)
    return await _represented(session, query, params, ENVIRONMENT_SORT, order, rep.environment)


USER_SORT: SortColumns = wire_columns(
    User, "id userName firstName lastName email creationDate status", creationDate="created_at"
)


async def users(
    session: AsyncSession, caller: Caller, params: ListParams, organization_id: str | None
) -> Page:
    """Users the caller may see (``users.may_see``: only themselves without admin rights)."""
    visible = User.id == caller.user_id
    if caller.is_org_admin:
        visible = or_(visible, User.organization_id.in_(accessible_organizations(caller)))
    query = select(User).where(visible)
    query = given(query, {User.organization_id: organization_id})
    summary = partial(rep.user, detailed=False)
    return await _represented(session, query, params, USER_SORT, (User.user_name, User.id), summary)


API_KEY_SORT: SortColumns = wire_columns(
    ApiKey, "id name userId creationDate lastUsed", creationDate="created_at", lastUsed="last_used_at"
)


async def keys(session: AsyncSession, owner: User, params: ListParams) -> Page:
    """A user's API keys that are not revoked, without their secrets."""
    query = select(ApiKey).where(ApiKey.user_id == owner.id, ApiKey.revoked_at.is_(None))
    items, metadata = await page_of(session, query, params, API_KEY_SORT, (ApiKey.created_at, ApiKey.id))
    return [api_keys.represent(item) for item in items], metadata
