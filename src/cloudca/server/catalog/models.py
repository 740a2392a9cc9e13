"""The catalog: configuration of a service connection, shared by all its environments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column


class Zone(Base):
    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("service_connection_id", "name"),)

    id: Mapped[str] = id_column()
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    name: Mapped[str] = mapped_column(String(100))
    #: Public IP pool of the zone, as a CIDR (contract 6.10: acquired from a pool per zone).
    public_ip_range: Mapped[str] = mapped_column(String(50), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Template(Base):
    __tablename__ = "templates"

    id: Mapped[str] = id_column()
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    #: Set for private templates; public ones are shared by every environment.
    environment_id: Mapped[str | None] = mapped_column(ForeignKey("environments.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
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
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_column()

    @property
    def root_size_gb(self) -> int:
        gib = 1024**3
        return max(1, -(-self.size_bytes // gib))


class ComputeOffering(Base):
    __tablename__ = "compute_offerings"

    id: Mapped[str] = id_column()
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    name: Mapped[str] = mapped_column(String(255))
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    cpu_count: Mapped[int | None] = mapped_column(Integer)
    memory_mb: Mapped[int | None] = mapped_column(Integer)
    available_cpu_counts: Mapped[list[int]] = mapped_column(default=list)
    available_memory_mb: Mapped[list[int]] = mapped_column(default=list)
    max_memory_mb_per_cpu: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class DiskOffering(Base):
    __tablename__ = "disk_offerings"

    id: Mapped[str] = id_column()
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    name: Mapped[str] = mapped_column(String(255))
    gb_size: Mapped[int | None] = mapped_column(Integer)
    custom_size: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_iops: Mapped[bool] = mapped_column(Boolean, default=False)
    min_iops: Mapped[int | None] = mapped_column(Integer)
    max_iops: Mapped[int | None] = mapped_column(Integer)
    min_size_gb: Mapped[int] = mapped_column(Integer, default=1)
    max_size_gb: Mapped[int] = mapped_column(Integer, default=2048)
    position: Mapped[int] = mapped_column(Integer, default=0)


class VpcOffering(Base):
    __tablename__ = "vpc_offerings"

    id: Mapped[str] = id_column()
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    name: Mapped[str] = mapped_column(String(255))
    services: Mapped[list[str]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(20), default="Enabled")
    position: Mapped[int] = mapped_column(Integer, default=0)


class NetworkOffering(Base):
    __tablename__ = "network_offerings"

    id: Mapped[str] = id_column()
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[list[str]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(20), default="Enabled")
    position: Mapped[int] = mapped_column(Integer, default=0)
