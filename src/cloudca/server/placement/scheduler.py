"""Placement: reserve a host's capacity for an instance, and give it back.

A reservation is one conditional UPDATE that only succeeds while ``used + need <= total``, so
concurrent reservations (threads, processes) can never overcommit a host; the check constraints on
``hosts`` are a second line of defence.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.errors import NoCapacity
from cloudca.server.placement.models import HOST_UP, Host


async def reserve(
    session: AsyncSession,
    *,
    zone_id: str,
    cpu_count: int,
    memory_mb: int,
    avoid_host_ids: Collection[str] = (),
) -> Host:
    """Reserve capacity on the least-used host of the zone that fits, avoiding ``avoid_host_ids``
    (anti-affinity). Raises ``NoCapacity`` when no host can take the instance."""
    need = {"cpu_count": cpu_count, "memory_mb": memory_mb}
    candidates = await session.execute(_CANDIDATES, {"zone_id": zone_id, **need})
    for host in candidates.scalars():
        if host.id in avoid_host_ids:
            continue
        result = await session.execute(_RESERVE, {"host_id": host.id, **need})
        if getattr(result, "rowcount", 0):
            return host
    if avoid_host_ids:
        raise NoCapacity(
            "No host can run the instance apart from the other members of its anti-affinity group"
        )
    raise NoCapacity("No host can run the instance")


# Built once: every create runs them.
_CANDIDATES = (
    select(Host)
    .where(
        Host.zone_id == bindparam("zone_id"),
        Host.state == HOST_UP,
        Host.cpu_total - Host.cpu_used >= bindparam("cpu_count", type_=Integer),
        Host.memory_mb_total - Host.memory_mb_used >= bindparam("memory_mb", type_=Integer),
    )
    .order_by(Host.cpu_used, Host.memory_mb_used, Host.name)
)
_RESERVE = (
    update(Host)
    .where(
        Host.id == bindparam("host_id"),
        Host.cpu_used + bindparam("cpu_count", type_=Integer) <= Host.cpu_total,
        Host.memory_mb_used + bindparam("memory_mb", type_=Integer) <= Host.memory_mb_total,
    )
    .values(
        cpu_used=Host.cpu_used + bindparam("cpu_count", type_=Integer),
        memory_mb_used=Host.memory_mb_used + bindparam("memory_mb", type_=Integer),
    )
    .execution_options(synchronize_session=False)
)


async def reserve_on(session: AsyncSession, *, host_id: str, cpu_count: int, memory_mb: int) -> None:
    """Reserve capacity on one given host (a recovered machine stays where it lives)."""
    await resize(session, host_id=host_id, cpu_delta=cpu_count, memory_delta=memory_mb)


async def release(session: AsyncSession, *, host_id: str, cpu_count: int, memory_mb: int) -> None:
    """Give back what ``reserve`` took."""
    await session.execute(
        update(Host)
        .where(Host.id == host_id)
        .values(cpu_used=Host.cpu_used - cpu_count, memory_mb_used=Host.memory_mb_used - memory_mb)
        .execution_options(synchronize_session=False)
    )


async def resize(session: AsyncSession, *, host_id: str, cpu_delta: int, memory_delta: int) -> None:
    """Grow or shrink a reservation in place; raises ``NoCapacity`` when the host cannot grow it."""
    result = await session.execute(
        update(Host)
        .where(
            Host.id == host_id,
            Host.cpu_used + cpu_delta <= Host.cpu_total,
            Host.memory_mb_used + memory_delta <= Host.memory_mb_total,
        )
        .values(cpu_used=Host.cpu_used + cpu_delta, memory_mb_used=Host.memory_mb_used + memory_delta)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise NoCapacity("The instance's host cannot give it that much CPU or memory")
