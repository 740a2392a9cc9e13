"""The lists of network ACLs and ACL rules (API-CONTRACT 6.9, 7), paged in SQL: the built-in ACLs'
rules, made in Python (``acls.builtin_rules``), join the stored ones in one ``UNION ALL`` so that a
page, its sort and its count cover both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.listing import ListParams, SortColumns, as_text, given, page, page_of
from cloudca.server.networking.acls import ACL_FIELDS, builtin_rules, represent_acl, represent_rule, visible
from cloudca.server.networking.models import NetworkAcl, NetworkAclRule


async def list_acls(
    session: AsyncSession, scope: EnvironmentScope, params: ListParams, *, vpc_id: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The environment's ACLs (of one VPC with ``vpc_id``), then the built-ins, which every list shows."""
    query = select(NetworkAcl).where(visible(scope))
    if vpc_id is not None:
        query = query.where(or_(NetworkAcl.builtin.is_(True), NetworkAcl.vpc_id == vpc_id))
    order = (NetworkAcl.builtin, NetworkAcl.created_at, NetworkAcl.name, NetworkAcl.id)
    items, metadata = await page_of(session, query, params, ACL_FIELDS, order)
    return [represent_acl(item) for item in items], metadata


_RULE_COLUMNS = (
    "id",
    "network_acl_id",
    "rule_number",
    "cidr",
    "action",
    "protocol",
    "traffic_type",
    "start_port",
    "end_port",
    "icmp_type",
    "icmp_code",
    "state",
)


async def _all_rules(session: AsyncSession, scope: EnvironmentScope) -> Any:
    """The environment's rules and the built-in ACLs' rules (made here, not stored), as one SQL
    table, so that a list pages them together in SQL."""
    stored = select(*(getattr(NetworkAclRule, name) for name in _RULE_COLUMNS)).where(
        NetworkAclRule.environment_id == scope.id
    )
    builtins = (await session.execute(select(NetworkAcl).where(NetworkAcl.builtin.is_(True)))).scalars()
    made = [
        select(
            *(
                literal(getattr(rule, name), getattr(NetworkAclRule, name).type).label(name)
                for name in _RULE_COLUMNS
            )
        )
        for acl in builtins
        for rule in builtin_rules(acl)
    ]
    return union_all(stored, *made).subquery("rules")


async def list_rules(
    session: AsyncSession, scope: EnvironmentScope, params: ListParams, *, network_acl_id: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rules = await _all_rules(session, scope)
    query = select(rules).join(NetworkAcl, NetworkAcl.id == rules.c.network_acl_id).where(visible(scope))
    query = given(query, {NetworkAcl.id: network_acl_id})
    sort: SortColumns = {
        "id": rules.c.id,
        "networkAclId": rules.c.network_acl_id,
        # Numbers are strings on the wire (8.24), and sort as strings.
        "ruleNumber": as_text(rules.c.rule_number),
        "cidr": rules.c.cidr,
        "action": rules.c.action,
        "protocol": rules.c.protocol,
        "trafficType": rules.c.traffic_type,
        "state": rules.c.state,
        "startPort": as_text(rules.c.start_port),
        "endPort": as_text(rules.c.end_port),
        "icmpType": as_text(rules.c.icmp_type),
        "icmpCode": as_text(rules.c.icmp_code),
    }
    order = (NetworkAcl.builtin, NetworkAcl.created_at, NetworkAcl.id, rules.c.rule_number)
    rows, metadata = await page(session, query, params, sort, order)
    return [represent_rule(NetworkAclRule(**row._mapping)) for row in rows], metadata
