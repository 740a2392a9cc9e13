"""Instances and their recovery points."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column, utcnow


class Instance(Base):
    __tablename__ = "instances"
    __table_args__ = (
        # Lists are per environment in creation order; this index makes a page cost the same
        # whatever the total.
        Index("ix_instances_environment_id_created_at", "environment_id", "created_at", "id"),
    )

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"))
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    name: Mapped[str] = mapped_column(String(255))
    hostname: Mapped[str] = mapped_column(String(63))
    #: What the API shows: a stable state (Running, Stopped, Destroyed, Error) or a transitional one.
    state: Mapped[str] = mapped_column(String(20))
    #: The last stable state; what a crash repair falls back to (contract 5, durable tasks).
    stable_state: Mapped[str] = mapped_column(String(20))
    #: The task currently running on the instance; at most one (contract 5.1).
    task_id: Mapped[str | None] = mapped_column(String(36))
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"))
    compute_offering_id: Mapped[str] = mapped_column(ForeignKey("compute_offerings.id"))
    cpu_count: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    #: Host the machine lives on (kept while Destroyed: recover brings it back there).
    host_id: Mapped[str | None] = mapped_column(ForeignKey("hosts.id"), index=True)
    #: Whether the host's capacity is reserved for it: from placement until destroy or purge.
    holds_capacity: Mapped[bool] = mapped_column(Boolean, default=False)
    user_data: Mapped[str] = mapped_column(Text, default="")
    ssh_key_name: Mapped[str | None] = mapped_column(String(255))
    #: The public key installed for the default user (not a secret).
    public_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(), default=utcnow, onupdate=utcnow)


class RecoveryPoint(Base):
    __tablename__ = "recovery_points"

    id: Mapped[str] = id_column()
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_column()


class InstanceCount(Base):
    """How many instances an environment has (destroyed ones included): a list's ``recordCount``
    without counting rows. Maintained only by the triggers of migration 0003, in the statement
    that inserts or deletes the instance, so it is exact in every transaction that reads it."""

    __tablename__ = "instance_counts"

    environment_id: Mapped[str] = mapped_column(
        ForeignKey("environments.id", ondelete="CASCADE"), primary_key=True
    )
    instance_count: Mapped[int] = mapped_column(Integer)


class CatalogueVersion(Base):
    """A counter per table whose names an instance list shows (zones, templates, compute offerings,
    networks, VPCs). Bumped only by the triggers of migration 14a, in the statement that inserts,
    deletes or renames a row, so each process's cache of those names (``instances.read_model``)
    knows at its next read that it is stale."""

    __tablename__ = "catalogue_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class ConsoleTicket(Base):
    """A short-lived, single-use ticket to attach to an instance's console (``instances.console``).
    Only the ticket's SHA-256 is kept; redeeming deletes the row."""

    __tablename__ = "console_tickets"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    environment_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
