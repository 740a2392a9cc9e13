"""Networking state. Uniqueness of addresses and ports is enforced here, by constraints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    #: The remote access VPN's preshared key while it is enabled (contract 6.19: clients read it back).
    vpn_preshared_key: Mapped[str | None] = mapped_column(String(64))
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


class NetworkAclRule(Base):
    """A rule of a VPC's ACL. The two built-in ACLs' rules are not stored (``networking.acls``)."""

    __tablename__ = "network_acl_rules"
    # One rule per position: the position is the evaluation order (contract 6.9).
    __table_args__ = (UniqueConstraint("network_acl_id", "rule_number"),)

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    network_acl_id: Mapped[str] = mapped_column(ForeignKey("network_acls.id", ondelete="CASCADE"))
    rule_number: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(50))
    #: As supplied (echoed verbatim, 1.9); compared case-insensitively.
    action: Mapped[str] = mapped_column(String(20))
    protocol: Mapped[str] = mapped_column(String(20))
    traffic_type: Mapped[str] = mapped_column(String(20))
    start_port: Mapped[int | None] = mapped_column(Integer)
    end_port: Mapped[int | None] = mapped_column(Integer)
    icmp_type: Mapped[int | None] = mapped_column(Integer)
    icmp_code: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="Active")
    created_at: Mapped[datetime] = created_column()


class LoadBalancerRule(Base):
    __tablename__ = "load_balancer_rules"
    # One rule per public port of an IP (contract 6.12); port forwarding ranges are checked against
    # it under the public IP's row lock.
    __table_args__ = (UniqueConstraint("public_ip_id", "public_port"),)

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"), index=True)
    public_ip_id: Mapped[str] = mapped_column(ForeignKey("public_ips.id", ondelete="CASCADE"))
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    public_port: Mapped[int] = mapped_column(Integer)
    private_port: Mapped[int] = mapped_column(Integer)
    #: As supplied (echoed verbatim: T compares ``protocol`` byte for byte).
    protocol: Mapped[str] = mapped_column(String(20))
    algorithm: Mapped[str] = mapped_column(String(20))
    stickiness_method: Mapped[str | None] = mapped_column(String(20))
    stickiness_policy_id: Mapped[str | None] = mapped_column(String(36))
    stickiness_parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ssl_certificate_id: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(20), default="Active")
    created_at: Mapped[datetime] = created_column()


class LoadBalancerMember(Base):
    """An instance balanced by a rule; ``position`` keeps ``instanceIds`` in the order given."""

    __tablename__ = "load_balancer_members"

    rule_id: Mapped[str] = mapped_column(
        ForeignKey("load_balancer_rules.id", ondelete="CASCADE"), primary_key=True
    )
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class VpnUser(Base):
    """An account of the environment's remote access VPNs; only a digest of its password is kept."""

    __tablename__ = "vpn_users"
    __table_args__ = (UniqueConstraint("environment_id", "username"),)

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"))
    username: Mapped[str] = mapped_column(String(255))
    password_digest: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_column()


class SiteToSiteVpn(Base):
    __tablename__ = "site_to_site_vpns"
    # D: the name is unique in the environment, and so is the remote gateway.
    __table_args__ = (
        UniqueConstraint("environment_id", "name"),
        UniqueConstraint("environment_id", "gateway"),
    )

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id"))
    vpc_id: Mapped[str] = mapped_column(ForeignKey("vpcs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    gateway: Mapped[str] = mapped_column(String(50))
    cidr: Mapped[str] = mapped_column(String(50))
    ipsec_psk: Mapped[str] = mapped_column(String(255))
    ike_encryption_algorithm: Mapped[str] = mapped_column(String(20))
    ike_hash_algorithm: Mapped[str] = mapped_column(String(20))
    ike_dh_group: Mapped[str | None] = mapped_column(String(20))
    ike_lifetime: Mapped[int] = mapped_column(Integer)
    esp_encryption_algorithm: Mapped[str] = mapped_column(String(20))
    esp_hash_algorithm: Mapped[str] = mapped_column(String(20))
    esp_perfect_forward_secrecy: Mapped[str | None] = mapped_column(String(20))
    esp_lifetime: Mapped[int] = mapped_column(Integer)
    dpd: Mapped[bool] = mapped_column(Boolean, default=False)
    force_encap: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="Connected")
    created_at: Mapped[datetime] = created_column()
