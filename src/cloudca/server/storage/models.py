"""Volumes (root and data) and their snapshots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column


class Volume(Base):
    __tablename__ = "volumes"

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    name: Mapped[str] = mapped_column(String(255))
    #: ``os`` (the root volume) or ``data``.
    type: Mapped[str] = mapped_column(String(10))
    size_gb: Mapped[int] = mapped_column(Integer)
    iops: Mapped[int | None] = mapped_column(Integer)
    disk_offering_id: Mapped[str | None] = mapped_column(ForeignKey("disk_offerings.id"))
    template_id: Mapped[str | None] = mapped_column(ForeignKey("templates.id"))
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("instances.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="Ready")
    created_at: Mapped[datetime] = created_column()


class Snapshot(Base):
    """A snapshot outlives its volume, so it keeps the volume's name and type."""

    __tablename__ = "snapshots"

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    volume_name: Mapped[str] = mapped_column(String(255))
    volume_type: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20), default="BackedUp")
    interval_type: Mapped[str] = mapped_column(String(20), default="MANUAL")
    #: What the snapshot's copy occupies on the backend, as the driver reported it.
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = created_column()
