"""Private IP and MAC allocation for NICs.

Addresses are unique per network and MACs globally, by database constraints; two processes racing
for the same address make one insert fail, and that one retries with the next free address inside
a savepoint, so the surrounding transaction survives.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterator

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.db.base import new_id
from cloudca.server.errors import Duplicate, InvalidField, QuotaExceeded
from cloudca.server.networking.models import Network, Nic

MAX_ATTEMPTS = 8


def usable_addresses(network: Network) -> Iterator[str]:
    """Host addresses of the network's CIDR, without the network, gateway and broadcast addresses."""
    net = ipaddress.ip_network(network.cidr, strict=False)
    if not isinstance(net, ipaddress.IPv4Network) or net.prefixlen >= 31:
        hosts: Iterator[str] = (str(address) for address in net.hosts())
    else:
        # Formatted from integers: every create walks the network's addresses, and building an
        # IPv4Address object per address cost more than the rest of the allocation.
        first = int(net.network_address) + 1
        last = int(net.broadcast_address)
        hosts = (f"{n >> 24}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in range(first, last))
    for text in hosts:
        if text != network.gateway:
            yield text


def check_requested_address(network: Network, address: str) -> str:
    """Validate an ``ipAddress`` asked for at create (T's ``private_ip``)."""
    try:
        parsed = ipaddress.IPv4Address(address)
    except ValueError:
        raise InvalidField("ipAddress", address, "must be an IPv4 address") from None
    net = ipaddress.ip_network(network.cidr, strict=False)
    if parsed not in net:
        raise InvalidField("ipAddress", address, f"must lie in the network's CIDR {network.cidr}")
    if parsed in (net.network_address, net.broadcast_address) or str(parsed) == network.gateway:
        raise InvalidField("ipAddress", address, "is the network, gateway or broadcast address")
    return str(parsed)


def new_mac_address() -> str:
    return "02:00:" + ":".join(f"{byte:02x}" for byte in secrets.token_bytes(4))


async def free_address(session: AsyncSession, network: Network) -> str:
    """The first address of the network that no NIC holds now (the caller's insert or update may
    still lose a race: the unique constraint decides)."""
    used = await _used(session, network.id)
    address = next((a for a in usable_addresses(network) if a not in used), "")
    if not address:
        raise QuotaExceeded(
            f"The network {network.name} has no free address left",
            resource="privateIpAddresses",
            limit=sum(1 for _ in usable_addresses(network)),
        )
    return address


async def _used(session: AsyncSession, network_id: str) -> set[str]:
    # Allocations in one network queue on its row until commit (PostgreSQL; SQLite has a single
    # writer anyway), so concurrent creates see each other's addresses instead of colliding on
    # the same first free one and running out of retries.
    await session.execute(_LOCK_NETWORK, {"network_id": network_id})
    rows = await session.execute(_USED_ADDRESSES, {"network_id": network_id})
    return set(rows.scalars())


# Built once: every create runs them (building a statement costs more than running it on SQLite).
_LOCK_NETWORK = select(Network.id).where(Network.id == bindparam("network_id")).with_for_update()
_USED_ADDRESSES = select(Nic.ip_address).where(Nic.network_id == bindparam("network_id"))


async def allocate_nic(
    session: AsyncSession,
    *,
    instance_id: str,
    network: Network,
    name: str,
    is_default: bool,
    requested_ip: str | None = None,
    nic_id: str | None = None,
) -> Nic:
    """Insert a NIC with a free private IP (or ``requested_ip``) and a fresh MAC."""
    for _ in range(MAX_ATTEMPTS):
        if requested_ip is not None:
            if requested_ip in await _used(session, network.id):
                raise Duplicate("ipAddress", requested_ip)
            address = requested_ip
        else:
            address = await free_address(session, network)
        nic = Nic(
            id=nic_id or new_id(),
            instance_id=instance_id,
            network_id=network.id,
            name=name,
            ip_address=address,
            mac_address=new_mac_address(),
            is_default=is_default,
        )
        try:
            async with session.begin_nested():
                session.add(nic)
        except IntegrityError:
            continue  # another transaction took the address or the MAC first: pick again
        return nic
    raise Duplicate("ipAddress", requested_ip or network.cidr, "Could not allocate a unique address; retry")
