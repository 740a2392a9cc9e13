"""Builds the instance representation of API-CONTRACT 4.1, a page at a time.

One joined query yields every scalar field of a page of instances; affinity groups, and for the
detailed form NICs and public IPs, come from one extra query each, whatever the page size. The
default page (``page``) reads only the instances and their default NICs, and takes the names of
zones, templates, offerings, networks and VPCs from the process's copy (``read_model``).

The statements of the hot paths (one instance, the default page) are built once, with bound
parameters: building a joined select and generating its cache key cost more than running it on
SQLite. They run on an ``AsyncSession`` or a plain ``AsyncConnection`` alike (``Executor``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from cloudca.server.catalog.models import ComputeOffering, Template, Zone
from cloudca.server.db.inline_reads import InlineReads
from cloudca.server.instances import read_model
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import (
    LoadBalancerMember,
    LoadBalancerRule,
    Network,
    Nic,
    PortForwardingRule,
    PublicIp,
    Vpc,
)
from cloudca.server.placement.models import HOST_UP, AffinityMembership, Host

#: Where statements run: a session inside a transaction, a bare connection for a read, or (the
#: lean lane on SQLite) sqlite3 itself.
Executor = AsyncSession | AsyncConnection | InlineReads

# Scalar fields a list may be sorted on, and the column each one sorts by (7.2).
SORT_COLUMNS: dict[str, Any] = {
    "id": Instance.id,
    "name": Instance.name,
    "state": Instance.state,
    "hostname": Instance.hostname,
    "zoneId": Instance.zone_id,
    "zoneName": Zone.name,
    "templateId": Instance.template_id,
    "templateName": Template.name,
    "computeOfferingId": Instance.compute_offering_id,
    "computeOfferingName": ComputeOffering.name,
    "cpuCount": Instance.cpu_count,
    "memoryInMB": Instance.memory_mb,
    "networkId": Nic.network_id,
    "networkName": Network.name,
    "vpcId": Network.vpc_id,
    "vpcName": Vpc.name,
    "ipAddress": Nic.ip_address,
    "ipAddressId": Nic.id,
    "macAddress": Nic.mac_address,
    "isPasswordEnabled": Template.password_enabled,
    "isSshKeyEnabled": Template.ssh_key_enabled,
    "sshKeyName": Instance.ssh_key_name,
    "username": Template.username,
}


#: The instance's host, joined only while it is not ``Up``: ``hostDown`` (a cloudca extension) says
#: that the state shown is the last one known, from a host that does not answer.
_DOWN_HOST = aliased(Host, name="down_host")
# The constant is SQL text, not a bound parameter: the lean lane's compiled reads bind only ours.
_HOST_IS_DOWN = and_(_DOWN_HOST.id == Instance.host_id, _DOWN_HOST.state != literal_column(f"'{HOST_UP}'"))


def base_query() -> Select[*tuple[Any, ...]]:
    """Every scalar of the representation, one row per instance (the default NIC outer-joined)."""
    query: Select[*tuple[Any, ...]] = (
        select(
            Instance.id,
            Instance.name,
            Instance.state,
            Instance.zone_id,
            Zone.name,
            Instance.template_id,
            Template.name,
            Instance.compute_offering_id,
            ComputeOffering.name,
            Instance.cpu_count,
            Instance.memory_mb,
            Nic.network_id,
            Network.name,
            Network.vpc_id,
            Vpc.name,
            Nic.ip_address,
            Nic.id,
            Nic.mac_address,
            Template.password_enabled,
            Template.ssh_key_enabled,
            Instance.ssh_key_name,
            Instance.hostname,
            Template.username,
            _DOWN_HOST.id,
            Instance.user_data,
        )
        .join(Zone, Zone.id == Instance.zone_id)
        .join(Template, Template.id == Instance.template_id)
        .join(ComputeOffering, ComputeOffering.id == Instance.compute_offering_id)
        .outerjoin(Nic, and_(Nic.instance_id == Instance.id, Nic.is_default.is_(True)))
        .outerjoin(Network, Network.id == Nic.network_id)
        .outerjoin(Vpc, Vpc.id == Network.vpc_id)
        .outerjoin(_DOWN_HOST, _HOST_IS_DOWN)
    )
    return query


#: One instance by id, within one environment (``environment_id`` is ``None`` for any environment).
_ONE = base_query().where(Instance.id == bindparam("instance_id"))
_ONE_IN_ENVIRONMENT = _ONE.where(Instance.environment_id == bindparam("environment_id"))
#: The default page of a list: an environment's instances in creation order.
PAGE = (
    base_query()
    .where(Instance.environment_id == bindparam("environment_id"))
    .order_by(Instance.created_at, Instance.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
#: The same page, narrow: the instance and its default NIC (``_widen`` adds the names).
_NARROW_PAGE = (
    select(
        Instance.id,
        Instance.name,
        Instance.state,
        Instance.zone_id,
        Instance.template_id,
        Instance.compute_offering_id,
        Instance.cpu_count,
        Instance.memory_mb,
        Nic.network_id,
        Nic.ip_address,
        Nic.id,
        Nic.mac_address,
        Instance.ssh_key_name,
        Instance.hostname,
        _DOWN_HOST.id,
    )
    .outerjoin(Nic, and_(Nic.instance_id == Instance.id, Nic.is_default.is_(True)))
    .outerjoin(_DOWN_HOST, _HOST_IS_DOWN)
    .where(Instance.environment_id == bindparam("environment_id"))
    .order_by(Instance.created_at, Instance.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_MEMBERSHIPS = (
    select(AffinityMembership.instance_id, AffinityMembership.affinity_group_id)
    .where(AffinityMembership.instance_id.in_(bindparam("ids", expanding=True)))
    .order_by(AffinityMembership.affinity_group_id)
)
_NICS = (
    select(Nic.instance_id, Nic.id, Nic.is_default, Nic.network_id, Nic.ip_address, Network.name)
    .join(Network, Network.id == Nic.network_id)
    .where(Nic.instance_id.in_(bindparam("ids", expanding=True)))
    .order_by(Nic.created_at, Nic.id)
)
_NULL: ColumnClause[Any] = literal_column("NULL")


def _public(kind: int, instance_id: Any, ports: tuple[Any, Any], order: tuple[Any, Any]) -> Select[Any]:
    """One branch of ``_PUBLIC``: (kind, instance, public IP, its address, ports, order)."""
    labels = ("port_start", "port_end", "created", "tie")
    tail = [column.label(label) for column, label in zip((*ports, *order), labels, strict=True)]
    columns = (PublicIp.id.label("ip_id"), PublicIp.ip_address, *tail)
    return select(literal_column(str(kind)).label("kind"), instance_id, *columns)


_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
#: An instance's public IPs in one statement: its port forwards (0), static NATs (1) and load
#: balancer memberships (2), in that order, each in its rules' creation order.
_PUBLIC: CompoundSelect[*tuple[Any, ...]] = union_all(
    _public(
        0,
        PortForwardingRule.instance_id,
        (PortForwardingRule.public_port_start, PortForwardingRule.public_port_end),
        (PortForwardingRule.created_at, PortForwardingRule.id),
    )
    .join(PublicIp, PublicIp.id == PortForwardingRule.public_ip_id)
    .where(PortForwardingRule.instance_id.in_(_IDS)),
    _public(1, Nic.instance_id, (_NULL, _NULL), (_NULL, PublicIp.id))
    .join(PublicIp, PublicIp.static_nat_nic_id == Nic.id)
    .where(Nic.instance_id.in_(_IDS)),
    _public(
        2,
        LoadBalancerMember.instance_id,
        (LoadBalancerRule.public_port, LoadBalancerRule.public_port),
        (LoadBalancerRule.created_at, LoadBalancerRule.id),
    )
    .join(LoadBalancerRule, LoadBalancerRule.id == LoadBalancerMember.rule_id)
    .join(PublicIp, PublicIp.id == LoadBalancerRule.public_ip_id)
    .where(LoadBalancerMember.instance_id.in_(_IDS)),
).order_by("kind", "created", "tie")

_KEYS = (
    "id",
    "name",
    "state",
    "zoneId",
    "zoneName",
    "templateId",
    "templateName",
    "computeOfferingId",
    "computeOfferingName",
    "cpuCount",
    "memoryInMB",
    "networkId",
    "networkName",
    "vpcId",
    "vpcName",
    "ipAddress",
    "ipAddressId",
    "macAddress",
    "isPasswordEnabled",
    "isSshKeyEnabled",
    "sshKeyName",
    "hostname",
    "username",
    "hostDown",
)


def _scalars(row: Sequence[Any]) -> dict[str, Any]:
    # Optional fields are omitted when empty (1.9); the rest are always present.
    item = {key: value for key, value in zip(_KEYS, row, strict=False) if value is not None}
    if "hostDown" in item:
        item["hostDown"] = True  # the row holds the down host's id
    return item


async def page(session: Executor, environment_id: str, limit: int, offset: int) -> list[dict[str, Any]]:
    """The default page of an environment's instances (creation order), in the list form."""
    params = {"environment_id": environment_id, "limit": limit, "offset": offset}
    rows = (await session.execute(_NARROW_PAGE, params)).all()
    # The names are read after the rows: whatever the rows refer to was committed by then.
    names = await read_model.current(session)
    items = _list_items(rows, names)
    if items is None:
        # An entry created after the names were checked (PostgreSQL: each statement its snapshot).
        await names.refresh(session, force=True)
        items = _list_items(rows, names)
    if items is None:  # not expected: the database's foreign keys guarantee every name exists
        return await represent_rows(session, (await session.execute(PAGE, params)).all(), detailed=False)
    await _add_groups(session, items)
    return items


def _list_items(
    rows: Sequence[Sequence[Any]], names: read_model.CatalogueNames
) -> list[dict[str, Any]] | None:
    """The list form of rows of ``_NARROW_PAGE`` (as ``_scalars`` builds it from ``base_query()``'s
    rows, keys in the same order), or None if a name is missing. Built field by field: only the
    default NIC's fields and the SSH key name can be empty (outer join, nullable column)."""
    zones, templates, networks, vpcs = (names.rows(t) for t in ("zones", "templates", "networks", "vpcs"))
    offerings = names.rows("compute_offerings")
    items = []
    for row in rows:
        (instance_id, name, state, zone_id, template_id, offering_id, cpus, memory) = row[:8]
        (network_id, address, nic_id, mac, ssh_key_name, hostname, down_host) = row[8:]
        zone, template, offering = zones.get(zone_id), templates.get(template_id), offerings.get(offering_id)
        if zone is None or template is None or offering is None:
            return None
        template_name, password_enabled, ssh_key_enabled, username = template
        item = {
            "id": instance_id, "name": name, "state": state, "zoneId": zone_id, "zoneName": zone[0],
            "templateId": template_id, "templateName": template_name, "computeOfferingId": offering_id,
            "computeOfferingName": offering[0], "cpuCount": cpus, "memoryInMB": memory,
        }  # fmt: skip
        if network_id is not None:
            network = networks.get(network_id)
            vpc = None if network is None else vpcs.get(network[1])
            if network is None or vpc is None:
                return None
            item["networkId"], item["networkName"] = network_id, network[0]
            item["vpcId"], item["vpcName"] = network[1], vpc[0]
        if address is not None:
            item["ipAddress"] = address
        if nic_id is not None:
            item["ipAddressId"] = nic_id
        if mac is not None:
            item["macAddress"] = mac
        item["isPasswordEnabled"], item["isSshKeyEnabled"] = password_enabled, ssh_key_enabled
        if ssh_key_name is not None:
            item["sshKeyName"] = ssh_key_name
        item["hostname"], item["username"] = hostname, username
        if down_host is not None:
            item["hostDown"] = True
        items.append(item)
    return items


async def represent_rows(
    session: Executor, rows: Sequence[Sequence[Any]], *, detailed: bool
) -> list[dict[str, Any]]:
    """Representations of rows of ``base_query()``, in order."""
    items = [_scalars(row) for row in rows]
    await _add_groups(session, items)
    if detailed and items:
        await _add_details(session, items, {row[0]: row[-1] for row in rows})
    return items


async def _add_groups(session: Executor, items: list[dict[str, Any]]) -> None:
    ids = [item["id"] for item in items]
    if not ids:
        return
    groups: dict[str, list[str]] = defaultdict(list)
    memberships = await session.execute(_MEMBERSHIPS, {"ids": ids})
    for instance_id, group_id in memberships:
        groups[instance_id].append(group_id)
    for item in items:
        item["affinityGroupIds"] = groups.get(item["id"], [])


async def _add_details(session: Executor, items: list[dict[str, Any]], user_data: dict[str, str]) -> None:
    ids = [item["id"] for item in items]
    nics: dict[str, list[dict[str, Any]]] = defaultdict(list)
    nic_rows = await session.execute(_NICS, {"ids": ids})
    for instance_id, nic_id, is_default, network_id, address, network_name in nic_rows:
        nics[instance_id].append(
            {
                "id": nic_id,
                "isDefault": is_default,
                "networkId": network_id,
                "ipAddress": address,
                "networkName": network_name,
            }
        )
    public: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    purposes = ("PORT_FORWARDING", "STATIC_NAT", "LOAD_BALANCING")
    for kind, instance_id, ip_id, address, start, end, _created, _tie in await session.execute(
        _PUBLIC, {"ids": ids}
    ):
        entry = public[instance_id].get(ip_id)
        if entry is None:
            entry = {"id": ip_id, "ipAddress": address, "purposes": [purposes[kind]], "ports": []}
            public[instance_id][ip_id] = entry
        elif kind == 2 and "LOAD_BALANCING" not in entry["purposes"]:
            entry["purposes"].append("LOAD_BALANCING")
        if start is not None:
            entry["ports"].append(str(start) if start == end else f"{start}-{end}")
    for item in items:
        item["userData"] = user_data.get(item["id"]) or ""
        item["publicIps"] = list(public.get(item["id"], {}).values())
        item["nics"] = nics.get(item["id"], [])


async def represent_one(
    session: Executor, instance_id: str, environment_id: str | None = None
) -> dict[str, Any] | None:
    """The detailed representation, or ``None`` when there is no such instance (in that environment)."""
    if environment_id is None:
        rows = (await session.execute(_ONE, {"instance_id": instance_id})).all()
    else:
        params = {"instance_id": instance_id, "environment_id": environment_id}
        rows = (await session.execute(_ONE_IN_ENVIRONMENT, params)).all()
    items = await represent_rows(session, rows, detailed=True)
    return items[0] if items else None
