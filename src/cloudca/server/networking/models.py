"""Networking state. Uniqueness of addresses and ports is enforced here, by constraints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column


class Vpc(Base):
    __tablename__ = "vpcs"

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    vpc_offering_id: Mapped[str] = mapped_column(ForeignKey("vpc_offerings.id"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    cidr: Mapped[str] = mapped_column(String(50))
    network_domain: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(20), default="Enabled")
    vpn_status: Mapped[str] = mapped_column(String(20), default="Disabled")
    created_at: Mapped[datetime] = created_column()


class NetworkAcl(Base):
    """An ACL of a VPC, or (no environment, no VPC) one of the two built-ins shared by everyone."""

    __tablename__ = "network_acls"

    id: Mapped[str] = id_column()
    environment_id: Mapped[str | None] = mapped_column(ForeignKey("environments.id"), index=True)
    vpc_id: Mapped[str | None] = mapped_column(ForeignKey("vpcs.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_column()


class Network(Base):
    __tablename__ = "networks"
    __table_args__ = (UniqueConstraint("vpc_id", "cidr"),)

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    vpc_id: Mapped[str] = mapped_column(ForeignKey("vpcs.id"), index=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    network_offering_id: Mapped[str] = mapped_column(ForeignKey("network_offerings.id"))
    network_acl_id: Mapped[str] = mapped_column(ForeignKey("network_acls.id"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    cidr: Mapped[str] = mapped_column(String(50))
    gateway: Mapped[str] = mapped_column(String(50))
    netmask: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(20), default="Allocated")
    created_at: Mapped[datetime] = created_column()


class Nic(Base):
    """A NIC and its primary private IP; its id is also that IP's id (contract 6.13)."""

    __tablename__ = "nics"
    __table_args__ = (
        UniqueConstraint("network_id", "ip_address"),
        UniqueConstraint("mac_address"),
        UniqueConstraint("instance_id", "network_id"),
    )

    id: Mapped[str] = id_column()
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    ip_address: Mapped[str] = mapped_column(String(50))
    mac_address: Mapped[str] = mapped_column(String(17))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_column()


class PublicIp(Base):
    __tablename__ = "public_ips"
    __table_args__ = (UniqueConstraint("zone_id", "ip_address"),)

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    vpc_id: Mapped[str] = mapped_column(ForeignKey("vpcs.id"), index=True)
    ip_address: Mapped[str] = mapped_column(String(50))
    #: Network the IP is bound to by its first rule (contract 6.10).
    network_id: Mapped[str | None] = mapped_column(ForeignKey("networks.id"))
    is_source_nat: Mapped[bool] = mapped_column(Boolean, default=False)
    #: While static NAT is enabled: the private IP (NIC) it maps to. Unique: one NAT per private IP.
    static_nat_nic_id: Mapped[str | None] = mapped_column(
        ForeignKey("nics.id", ondelete="SET NULL"), unique=True
    )
    state: Mapped[str] = mapped_column(String(20), default="Allocated")
    created_at: Mapped[datetime] = created_column()


class PortForwardingRule(Base):
    __tablename__ = "port_forwarding_rules"
    __table_args__ = (
        # Exact duplicates are refused by the database; overlapping ranges are refused under the
        # public IP's row lock by the service.
        UniqueConstraint("public_ip_id", "protocol_key", "public_port_start"),
        Index("ix_port_forwarding_rules_instance_id", "instance_id"),
    )

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    public_ip_id: Mapped[str] = mapped_column(ForeignKey("public_ips.id", ondelete="CASCADE"))
    #: As supplied by the client (echoed verbatim), and upper-cased for comparisons.
    protocol: Mapped[str] = mapped_column(String(10))
    protocol_key: Mapped[str] = mapped_column(String(10))
    public_port_start: Mapped[int] = mapped_column(Integer)
    public_port_end: Mapped[int] = mapped_column(Integer)
    private_port_start: Mapped[int] = mapped_column(Integer)
    private_port_end: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    nic_id: Mapped[str] = mapped_column(ForeignKey("nics.id", ondelete="CASCADE"))
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"))
    state: Mapped[str] = mapped_column(String(20), default="Active")
    created_at: Mapped[datetime] = created_column()
