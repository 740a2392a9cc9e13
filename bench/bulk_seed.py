"""Seeding many instances straight into cloudca's SQLite database while the server is stopped.

Creating 100,000 instances through the API would take minutes; this writes the same rows the create
task writes (instance, default NIC, root volume, host capacity) with bulk inserts in one transaction,
taking the environment, template, offering and hosts from what cloudca seeded on its first start.
The server's invariants hold: every NIC gets its own address in a network of its own (a CIDR large
enough for all of them, added to the seeded VPC), every MAC is unique, and the hosts' used capacity
is the sum of the instances placed on them (the simulator must be configured with room for them).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import math
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "cloudca.db"
NETWORK_NAME = "bench-bulk"
# Carrier-grade NAT space, clear of the 10.x ranges cloudca assigns to its own VPCs and networks: the
# large network comes from the first half, the /24 networks for the create scenarios from the second.
BULK_SPACE = ipaddress.IPv4Network("100.64.0.0/11")
CREATE_SPACE = ipaddress.IPv4Network("100.96.0.0/11")
CREATE_NETWORK_PREFIX = 24
BATCH = 10_000


class BulkSeedError(RuntimeError):
    """The database lacks what a direct seed needs (a seeded network, template, offering or host room)."""


@dataclass(frozen=True)
class _Context:
    environment_id: str
    zone_id: str
    vpc_id: str
    network_offering_id: str
    network_acl_id: str
    template_id: str
    root_size_gb: int
    compute_offering_id: str
    cpu_count: int
    memory_mb: int
    hosts: list[tuple[str, int, int]]  # id, free CPUs, free memory


def _one(conn: sqlite3.Connection, sql: str, *params: object) -> tuple[object, ...]:
    row = conn.execute(sql, params).fetchone()
    if row is None:
        raise BulkSeedError(f"nothing found for: {sql}")
    return tuple(row)


def _context(conn: sqlite3.Connection) -> _Context:
    environment_id, zone_id, vpc_id, offering_id, acl_id = _one(
        conn,
        "SELECT environment_id, zone_id, vpc_id, network_offering_id, network_acl_id FROM networks "
        "WHERE name NOT LIKE 'bench-%' ORDER BY created_at LIMIT 1",
    )
    templates = conn.execute(
        "SELECT id, size_bytes, zone_ids FROM templates WHERE is_ready ORDER BY position, name"
    ).fetchall()
    usable = [t for t in templates if not json.loads(t[2] or "[]") or zone_id in json.loads(t[2])]
    if not usable:
        raise BulkSeedError("no ready template in the seeded network's zone")
    template_id, size_bytes, _ = usable[0]
    compute_id, cpu_count, memory_mb = _one(
        conn,
        "SELECT id, cpu_count, memory_mb FROM compute_offerings WHERE NOT custom "
        "ORDER BY memory_mb, cpu_count LIMIT 1",
    )
    hosts = conn.execute(
        "SELECT id, cpu_total - cpu_used, memory_mb_total - memory_mb_used FROM hosts "
        "WHERE zone_id = ? AND state = 'Up' ORDER BY name",
        (zone_id,),
    ).fetchall()
    return _Context(
        environment_id=str(environment_id),
        zone_id=str(zone_id),
        vpc_id=str(vpc_id),
        network_offering_id=str(offering_id),
        network_acl_id=str(acl_id),
        template_id=str(template_id),
        root_size_gb=max(1, math.ceil(int(size_bytes) / 2**30)),
        compute_offering_id=str(compute_id),
        cpu_count=int(str(cpu_count)),
        memory_mb=int(str(memory_mb)),
        hosts=[(str(h[0]), int(h[1]), int(h[2])) for h in hosts],
    )


def _placement(context: _Context, count: int) -> list[tuple[str, int]]:
    """How many instances each host takes, spread evenly; fails when the hosts lack room."""
    room = [min(cpus // context.cpu_count, memory // context.memory_mb) for _, cpus, memory in context.hosts]
    plan: list[tuple[str, int]] = []
    left = count
    for position, (host_id, _, _) in sorted(enumerate(context.hosts), key=lambda item: room[item[0]]):
        share = min(room[position], math.ceil(left / (len(context.hosts) - len(plan))))
        plan.append((host_id, share))
        left -= share
    if left:
        raise BulkSeedError(
            f"the hosts have room for {count - left} of {count} instances: start cloudca with more "
            "simulator capacity (CLOUDCA_SIMULATOR_HOST_CPUS, CLOUDCA_SIMULATOR_HOST_MEMORY_MB)"
        )
    return [(host_id, share) for host_id, share in plan if share > 0]


def _network(count: int) -> ipaddress.IPv4Network:
    prefix = 32 - math.ceil(math.log2(count + 3))
    network = next(BULK_SPACE.subnets(new_prefix=prefix))
    return ipaddress.IPv4Network(network)


def _timestamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's DateTime format on SQLite


def _macs(taken: set[str]) -> Iterator[str]:
    value = 0xBE000000
    while True:
        value += 1
        mac = "02:00:" + ":".join(f"{byte:02x}" for byte in value.to_bytes(4, "big"))
        if mac not in taken:
            yield mac


def _insert_network(
    conn: sqlite3.Connection,
    context: _Context,
    network_id: str,
    name: str,
    cidr: ipaddress.IPv4Network,
    state: str,
    created: datetime.datetime,
) -> None:
    conn.execute(
        "INSERT INTO networks (id, environment_id, vpc_id, zone_id, network_offering_id, "
        "network_acl_id, name, description, cidr, gateway, netmask, state, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            network_id,
            context.environment_id,
            context.vpc_id,
            context.zone_id,
            context.network_offering_id,
            context.network_acl_id,
            name,
            "Added directly by the benchmark",
            str(cidr),
            str(next(cidr.hosts())),
            str(cidr.netmask),
            state,
            _timestamp(created),
        ),
    )


def _open(database: Path) -> sqlite3.Connection:
    if not database.exists():
        raise BulkSeedError(f"{database} does not exist: start cloudca once on its data dir first")
    return sqlite3.connect(database)


async def add_networks(database_url: str, addresses: int) -> int:
    """Add enough /24 networks to the seeded VPC for ``addresses`` more instances; returns how many.

    The create scenarios spread their creates over these, so no network outgrows the size cloudca
    gives its own networks and address allocation costs what it costs in real use. Runs on either
    database cloudca supports (``database_url`` is its SQLAlchemy URL), through cloudca's own table
    definition, while the server is stopped.
    """
    from sqlalchemy import insert, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from cloudca.server.networking.models import Network

    per_network = (1 << (32 - CREATE_NETWORK_PREFIX)) - 3
    count = math.ceil(addresses / per_network)
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            seeded = (
                await connection.execute(
                    select(Network)
                    .where(Network.name.not_like("bench-%"))
                    .order_by(Network.created_at)
                    .limit(1)
                )
            ).first()
            if seeded is None:
                raise BulkSeedError("no seeded network: start cloudca once on this database first")
            created = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
            subnets = CREATE_SPACE.subnets(new_prefix=CREATE_NETWORK_PREFIX)
            rows = [
                {
                    "id": str(uuid.uuid4()),
                    "environment_id": seeded.environment_id,
                    "vpc_id": seeded.vpc_id,
                    "zone_id": seeded.zone_id,
                    "network_offering_id": seeded.network_offering_id,
                    "network_acl_id": seeded.network_acl_id,
                    "name": f"bench-{index:04d}",
                    "description": "Added directly by the benchmark",
                    "cidr": str(cidr),
                    "gateway": str(next(cidr.hosts())),
                    "netmask": str(cidr.netmask),
                    "state": "Allocated",
                    "created_at": created,
                }
                for index, cidr in zip(range(count), subnets, strict=False)
            ]
            if rows:
                await connection.execute(insert(Network), rows)
        return count
    finally:
        await engine.dispose()


def _insert_sql(conn: sqlite3.Connection, table: str, row: dict[str, object]) -> str:
    """An INSERT for ``row``'s columns, after checking that they cover the table's required ones.

    The server's schema grows; a NOT NULL column without a database default that this module does
    not know about would otherwise surface as an IntegrityError halfway through the bulk insert.
    """
    required = {
        name
        for _, name, _, not_null, default, primary in conn.execute(f"PRAGMA table_info({table})")
        if not_null and default is None and not primary
    }
    missing = required - row.keys()
    if missing:
        raise BulkSeedError(f"bench/bulk_seed.py does not know how to fill {table}.{sorted(missing)}")
    # Table and column names are this module's constants, never input; the values are bound.
    columns, placeholders = ", ".join(row), ", ".join(f":{name}" for name in row)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608


def seed(database: Path, count: int) -> int:
    """Insert ``count`` Running instances, each with a default NIC and a root volume; returns ``count``."""
    conn = _open(database)
    try:
        context = _context(conn)
        plan = _placement(context, count)
        cidr = _network(count)
        addresses = cidr.hosts()
        next(addresses)  # the gateway
        taken_macs = {row[0] for row in conn.execute("SELECT mac_address FROM nics")}
        macs = _macs(taken_macs)
        start = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(days=1)
        network_id = str(uuid.uuid4())
        conn.execute("PRAGMA synchronous = OFF")
        with conn:
            _insert_network(conn, context, network_id, NETWORK_NAME, cidr, "Implemented", start)
            index = 0
            statements: tuple[str, ...] = ()
            for host_id, hosted in plan:
                for first in range(0, hosted, BATCH):
                    size = min(BATCH, hosted - first)
                    rows = [
                        _rows(context, network_id, host_id, index + i, start, addresses, macs)
                        for i in range(size)
                    ]
                    if not statements:
                        statements = tuple(
                            _insert_sql(conn, table, row) for table, row in zip(_TABLES, rows[0], strict=True)
                        )
                    for position, statement in enumerate(statements):
                        conn.executemany(statement, [row[position] for row in rows])
                    index += size
                conn.execute(
                    "UPDATE hosts SET cpu_used = cpu_used + ?, memory_mb_used = memory_mb_used + ? "
                    "WHERE id = ?",
                    (hosted * context.cpu_count, hosted * context.memory_mb, host_id),
                )
        return index
    finally:
        conn.close()


_TABLES = ("instances", "nics", "volumes")


def _rows(
    context: _Context,
    network_id: str,
    host_id: str,
    index: int,
    start: datetime.datetime,
    addresses: Iterator[ipaddress.IPv4Address],
    macs: Iterator[str],
) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    """The rows a finished create leaves: the instance (placed, holding its capacity), its default NIC
    and its root volume."""
    instance_id = str(uuid.uuid4())
    name = f"bulk-{index:06d}"
    created = _timestamp(start + datetime.timedelta(milliseconds=index))
    instance: dict[str, object] = {
        "id": instance_id,
        "environment_id": context.environment_id,
        "zone_id": context.zone_id,
        "name": name,
        "hostname": name,
        "state": "Running",
        "stable_state": "Running",
        "task_id": None,
        "template_id": context.template_id,
        "compute_offering_id": context.compute_offering_id,
        "cpu_count": context.cpu_count,
        "memory_mb": context.memory_mb,
        "host_id": host_id,
        "holds_capacity": True,
        "user_data": "",
        "ssh_key_name": None,
        "public_key": None,
        "created_at": created,
        "updated_at": created,
    }
    nic: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "instance_id": instance_id,
        "network_id": network_id,
        "name": "eth0",
        "ip_address": str(next(addresses)),
        "mac_address": next(macs),
        "is_default": True,
        "created_at": created,
    }
    volume: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "environment_id": context.environment_id,
        "zone_id": context.zone_id,
        "name": f"ROOT-{name}",
        "type": "os",
        "size_gb": context.root_size_gb,
        "iops": None,
        "disk_offering_id": None,
        "template_id": context.template_id,
        "instance_id": instance_id,
        "state": "Ready",
        "created_at": created,
    }
    return instance, nic, volume
