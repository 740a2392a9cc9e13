"""Typed representations of the networking entities (contract section 6): VPCs, networks, ACLs,
public IPs, forwarding and load balancer rules, NICs, VPNs. Re-exported by ``_models``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from cloudca.client._model_base import Model, Reference

# --- networking ---------------------------------------------------------------------------------------


class Vpc(Model):
    """A virtual private cloud (6.7)."""

    id: str
    name: str
    description: str | None = None
    cidr: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None
    state: str | None = None
    network_domain: str | None = None
    vpc_offering_id: str | None = None
    requires_upgrade: bool | None = None
    source_nat_ip: str | None = None
    vpn_status: str | None = None


class Network(Model):
    """A network (formerly "tier") of a VPC (6.8)."""

    id: str
    name: str
    description: str | None = None
    vpc_id: str | None = None
    vpc_name: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None
    cidr: str | None = None
    gateway: str | None = None
    netmask: str | None = None
    network_acl_id: str | None = None
    network_acl_name: str | None = None
    network_offering_id: str | None = None
    network_offering_name: str | None = None
    network_offering_description: str | None = None
    state: str | None = None


class NetworkAcl(Model):
    """A network ACL (6.9); the built-in ``default_allow``/``default_deny`` have no ``vpc_id``."""

    id: str
    name: str
    description: str | None = None
    vpc_id: str | None = None


class NetworkAclRule(Model):
    """A rule of a network ACL (6.9). Numbers are strings on the wire."""

    id: str
    network_acl_id: str | None = None
    rule_number: str | None = None
    cidr: str | None = None
    action: str | None = None
    protocol: str | None = None
    start_port: str | None = None
    end_port: str | None = None
    icmp_type: str | None = None
    icmp_code: str | None = None
    traffic_type: str | None = None
    state: str | None = None


class PublicIp(Model):
    """A public IP address of a VPC (6.10)."""

    id: str
    ip_address: str | None = None
    state: str | None = None
    purposes: list[str] = Field(default_factory=list)
    vpc_id: str | None = None
    vpc_name: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None
    network_id: str | None = None
    network_name: str | None = None
    instances: list[Reference] = Field(default_factory=list)
    private_ip_id: str | None = None
    instance_id: str | None = None
    ports: list[str] = Field(default_factory=list)


class PortForwardingRule(Model):
    """A port forwarding rule (6.11). Ports are strings on the wire."""

    id: str
    ip_address: str | None = None
    ip_address_id: str | None = None
    public_port_start: str | None = None
    public_port_end: str | None = None
    private_port_start: str | None = None
    private_port_end: str | None = None
    protocol: str | None = None
    instance_id: str | None = None
    instance_name: str | None = None
    network_id: str | None = None
    vpc_id: str | None = None
    private_ip: str | None = None
    private_ip_id: str | None = None
    state: str | None = None


class LoadBalancerRule(Model):
    """A load balancer rule (6.12)."""

    id: str
    name: str | None = None
    network_id: str | None = None
    public_ip: str | None = None
    public_ip_id: str | None = None
    public_port: str | None = None
    private_port: str | None = None
    algorithm: str | None = None
    protocol: str | None = None
    stickiness_method: str | None = None
    stickiness_policy_id: str | None = None
    stickiness_policy_parameters: dict[str, str] = Field(default_factory=dict)
    instance_ids: list[str] = Field(default_factory=list)
    ssl_certificate_id: str | None = None


class Nic(Model):
    """A network interface of an instance (6.13)."""

    id: str
    name: str | None = None
    ip_address: str | None = None
    is_default: bool | None = None
    network_id: str | None = None
    network_name: str | None = None
    gateway: str | None = None
    netmask: str | None = None
    instance_id: str | None = None
    vpc_id: str | None = None
    vpc_name: str | None = None
    secondary_ips: list[dict[str, Any]] = Field(default_factory=list)


class RemoteAccessVpn(Model):
    """The remote access VPN of a VPC; its id is the VPC's source NAT public IP id (6.19)."""

    id: str
    public_ip_address: str | None = None
    public_ip_address_id: str | None = None
    state: str | None = None
    preshared_key: str | None = Field(default=None, repr=False)
    type: str | None = None


class VpnUser(Model):
    """A remote access VPN user (6.19)."""

    id: str
    username: str | None = None


class SiteToSiteVpn(Model):
    """A site-to-site VPN (6.19, fields as in the cloud.ca docs)."""

    id: str
    name: str | None = None
    state: str | None = None
    vpc_id: str | None = None
    gateway: str | None = None
    cidr: str | None = None
