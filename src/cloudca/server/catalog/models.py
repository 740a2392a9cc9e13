"""The catalog: configuration of a service connection, shared by all its environments."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column


class CatalogEntry:
    """What a zone, a template and an offering have alike: an id, the service connection whose
    catalog holds it, a name and its place in the catalog's lists (configuration order)."""

    id: Mapped[str] = id_column()
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Zone(CatalogEntry, Base):
    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("service_connection_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    #: Public IP pool of the zone, as a CIDR (contract 6.10: acquired from a pool per zone).
    public_ip_range: Mapped[str] = mapped_column(String(50), default="")


class Template(CatalogEntry, Base):
    __tablename__ = "templates"

    #: Set for private templates; public ones are shared by every environment.
    environment_id: Mapped[str | None] = mapped_column(ForeignKey("environments.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    is_ready: Mapped[bool] = mapped_column(Boolean, default=True)
    password_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    ssh_key_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    resizable: Mapped[bool] = mapped_column(Boolean, default=False)
    dynamically_scalable: Mapped[bool] = mapped_column(Boolean, default=False)
    os_type: Mapped[str] = mapped_column(String(100), default="Other (64-bit)")
    username: Mapped[str] = mapped_column(String(100), default="cca-user")
    zone_ids: Mapped[list[str]] = mapped_column(default=list)
    #: Where a real driver finds the disk image (e.g. a qcow2 path for libvirt); never emitted.
    image_location: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[datetime] = created_column()

    @property
    def root_size_gb(self) -> int:
        gib = 1024**3
        return max(1, -(-self.size_bytes // gib))


class ComputeOffering(CatalogEntry, Base):
    __tablename__ = "compute_offerings"

    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    cpu_count: Mapped[int | None] = mapped_column(Integer)
    memory_mb: Mapped[int | None] = mapped_column(Integer)
    available_cpu_counts: Mapped[list[int]] = mapped_column(default=list)
    available_memory_mb: Mapped[list[int]] = mapped_column(default=list)
    max_memory_mb_per_cpu: Mapped[int | None] = mapped_column(Integer)


class DiskOffering(CatalogEntry, Base):
    __tablename__ = "disk_offerings"

    gb_size: Mapped[int | None] = mapped_column(Integer)
    custom_size: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_iops: Mapped[bool] = mapped_column(Boolean, default=False)
    min_iops: Mapped[int | None] = mapped_column(Integer)
    max_iops: Mapped[int | None] = mapped_column(Integer)
    min_size_gb: Mapped[int] = mapped_column(Integer, default=1)
    max_size_gb: Mapped[int] = mapped_column(Integer, default=2048)


class VpcOffering(CatalogEntry, Base):
    __tablename__ = "vpc_offerings"

    services: Mapped[list[str]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(20), default="Enabled")


class NetworkOffering(CatalogEntry, Base):
    __tablename__ = "network_offerings"

    description: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[list[str]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(20), default="Enabled")


#: A zone or an offering: what every environment of a service connection shares as it is (a template
#: may be an environment's own).
SharedRow = TypeVar("SharedRow", Zone, ComputeOffering, DiskOffering, VpcOffering, NetworkOffering)
