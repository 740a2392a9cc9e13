"""Hosts with capacity counters, and affinity groups.

Capacity is reserved with one conditional ``UPDATE`` (``used + need <= total``), so two processes
can never overcommit a host, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column

#: A host's ``state``: ``Down`` while its driver cannot reach it (the drift monitor sets it from
#: ``ComputeDriver.unreachable_hosts``); nothing is placed on it and its instances carry ``hostDown``.
HOST_UP, HOST_DOWN = "Up", "Down"


class Host(Base):
    __tablename__ = "hosts"
    __table_args__ = (
        UniqueConstraint("zone_id", "name"),
        CheckConstraint("cpu_used >= 0 AND cpu_used <= cpu_total", name="cpu_within_total"),
        CheckConstraint(
            "memory_mb_used >= 0 AND memory_mb_used <= memory_mb_total", name="memory_within_total"
        ),
    )

    id: Mapped[str] = id_column()
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    #: The driver's own name for the host; the only host identity that crosses the driver boundary.
    name: Mapped[str] = mapped_column(String(255))
    cpu_total: Mapped[int] = mapped_column(Integer)
    memory_mb_total: Mapped[int] = mapped_column(Integer)
    cpu_used: Mapped[int] = mapped_column(Integer, default=0)
    memory_mb_used: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default=HOST_UP)


class AffinityGroup(Base):
    __tablename__ = "affinity_groups"
    __table_args__ = (UniqueConstraint("environment_id", "name"),)

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    #: ``host anti-affinity`` (user-created) or ``ExplicitDedication`` (operator-created).
    type: Mapped[str] = mapped_column(String(50))
    zone_ids: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = created_column()


class AffinityMembership(Base):
    __tablename__ = "affinity_memberships"

    affinity_group_id: Mapped[str] = mapped_column(
        ForeignKey("affinity_groups.id", ondelete="CASCADE"), primary_key=True
    )
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True, index=True
    )
