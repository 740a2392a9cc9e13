"""Typed representations of every entity the API returns (contract sections 3, 4 and 6).

Python attributes are snake_case; the wire names (camelCase, as the contract spells them) are the
aliases, so ``model_dump(by_alias=True)`` gives back the server's JSON. Every model keeps keys it does
not know (``extra="allow"``) so a newer server never breaks an older SDK.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

__all__ = [
    "AffinityGroup",
    "ApiKey",
    "ComputeOffering",
    "DiskOffering",
    "Environment",
    "EnvironmentRole",
    "ErrorDetail",
    "Instance",
    "InstanceNic",
    "InstancePublicIp",
    "LoadBalancerRule",
    "Model",
    "Network",
    "NetworkAcl",
    "NetworkAclRule",
    "NetworkOffering",
    "Nic",
    "Organization",
    "PortForwardingRule",
    "PublicIp",
    "Reference",
    "RemoteAccessVpn",
    "ServiceConnection",
    "SiteToSiteVpn",
    "Snapshot",
    "SshKey",
    "TaskStatus",
    "Template",
    "User",
    "Volume",
    "Vpc",
    "VpcOffering",
    "VpnUser",
    "Zone",
]


class Model(BaseModel):
    """Base of every representation: camelCase aliases, unknown keys kept, dumps by alias."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object the server sent (keys it omitted stay omitted)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _iso_millis(value: datetime) -> str:
    """Format like the server (contract 1.9): ISO 8601 UTC with milliseconds."""
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# Dumped back in the server's own format so JSON output round-trips.
Timestamp = Annotated[datetime, PlainSerializer(_iso_millis, return_type=str, when_used="json")]


class TaskStatus(StrEnum):
    """Status of an asynchronous task (contract 2.3)."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class ErrorDetail(Model):
    """One object of the error envelope (contract 2.4)."""

    code: int | None = None
    error_code: str = ""
    message: str = ""
    context: dict[str, Any] = Field(default_factory=dict)


class Reference(Model):
    """A nested ``{id, name}`` pointer to another entity."""

    id: str | None = None
    name: str | None = None


# --- compute catalogue ------------------------------------------------------------------------------


class Zone(Model):
    """A zone (6.1)."""

    id: str
    name: str


class Template(Model):
    """A machine template (6.2)."""

    id: str
    name: str
    description: str | None = None
    size: int | None = None
    is_public: bool | None = None
    is_ready: bool | None = None
    is_dynamically_scalable: bool | None = None
    ssh_key_enabled: bool | None = None
    password_enabled: bool | None = None
    resizable: bool | None = None
    extractable: bool | None = None
    created: Timestamp | None = None
    os_type: str | None = None
    available_in_zones: list[str] = Field(default_factory=list)


class ComputeOffering(Model):
    """A compute offering (6.3); custom offerings list the values an instance may choose."""

    id: str
    name: str
    custom: bool = False
    cpu_count: int | None = None
    memory_in_mb: int | None = Field(default=None, alias="memoryInMB")
    available_cpu_count_values: list[int] | None = None
    available_memory_in_mb_values: list[int] | None = Field(default=None, alias="availableMemoryInMBValues")
    max_memory_in_mb_to_cpu_ratio: int | None = Field(default=None, alias="maxMemoryInMBToCpuRatio")


class DiskOffering(Model):
    """A disk offering (6.4)."""

    id: str
    name: str
    gb_size: int | None = None
    custom_size: bool = False
    custom_iops: bool = False
    min_iops: int | None = None
    max_iops: int | None = None


class VpcOffering(Model):
    """A VPC offering (6.5)."""

    id: str
    name: str
    services: list[str] = Field(default_factory=list)
    state: str | None = None


class NetworkOffering(Model):
    """A network offering (6.6)."""

    id: str
    name: str
    services: list[str] = Field(default_factory=list)
    state: str | None = None


# --- instances ----------------------------------------------------------------------------------------


class InstancePublicIp(Model):
    """A public IP that forwards to an instance (element of ``Instance.public_ips``)."""

    id: str
    ip_address: str | None = None
    purposes: list[str] = Field(default_factory=list)
    ports: list[str] = Field(default_factory=list)


class InstanceNic(Model):
    """A NIC as listed inside an instance."""

    id: str
    is_default: bool | None = None
    network_id: str | None = None
    ip_address: str | None = None
    network_name: str | None = None


class Instance(Model):
    """A virtual machine (4.1). ``password`` is only set on create and resetPassword task results."""

    id: str
    name: str
    state: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None
    template_id: str | None = None
    template_name: str | None = None
    compute_offering_id: str | None = None
    compute_offering_name: str | None = None
    cpu_count: int | None = None
    memory_in_mb: int | None = Field(default=None, alias="memoryInMB")
    network_id: str | None = None
    network_name: str | None = None
    vpc_id: str | None = None
    vpc_name: str | None = None
    ip_address: str | None = None
    ip_address_id: str | None = None
    mac_address: str | None = None
    is_password_enabled: bool | None = None
    is_ssh_key_enabled: bool | None = None
    ssh_key_name: str | None = None
    hostname: str | None = None
    username: str | None = None
    affinity_group_ids: list[str] = Field(default_factory=list)
    user_data: str | None = None
    public_ips: list[InstancePublicIp] = Field(default_factory=list)
    nics: list[InstanceNic] = Field(default_factory=list)
    password: str | None = Field(default=None, repr=False)


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


# --- storage and access -------------------------------------------------------------------------------


class Volume(Model):
    """A root (``os``) or ``data`` volume (6.14)."""

    id: str
    name: str
    type: str | None = None
    creation_date: Timestamp | None = None
    instance_id: str | None = None
    instance_name: str | None = None
    instance_state: str | None = None
    zone_id: str | None = None
    zone_name: str | None = None
    state: str | None = None
    size_in_gb: int | None = None
    iops: int | None = None
    disk_offering_id: str | None = None
    disk_offering_name: str | None = None
    template_id: str | None = None


class Snapshot(Model):
    """A volume snapshot (6.15, read-only)."""

    id: str
    name: str
    state: str | None = None
    interval_type: str | None = None
    volume_id: str | None = None
    volume: str | None = None
    volume_type: str | None = None


class SshKey(Model):
    """A registered SSH public key (6.16). Addressed by name or id."""

    id: str | None = None
    name: str
    fingerprint: str | None = None
    public_key: str | None = None


class AffinityGroup(Model):
    """An anti-affinity or dedicated (``ExplicitDedication``) group (6.17)."""

    id: str
    name: str
    description: str | None = None
    type: str | None = None
    instance_ids: list[str] = Field(default_factory=list)
    instance_names: list[str] = Field(default_factory=list)
    zone_ids: list[str] = Field(default_factory=list)


# --- administration -----------------------------------------------------------------------------------


class ServiceConnection(Model):
    """A service connection such as ``compute-qc`` (3.1)."""

    id: str
    service_code: str
    name: str | None = None
    type: str | None = None
    status: dict[str, Any] | None = None
    category: str | None = None


class Organization(Model):
    """An organization (3.2)."""

    id: str
    name: str
    entry_point: str | None = None
    billable_start_date: Timestamp | None = None
    is_billable: bool | None = None
    tags: list[str] = Field(default_factory=list)
    parent: Reference | None = None
    environments: list[Reference] = Field(default_factory=list)
    roles: list[Reference] = Field(default_factory=list)
    service_connections: list[dict[str, Any]] = Field(default_factory=list)
    users: list[dict[str, Any]] = Field(default_factory=list)


class EnvironmentRole(Model):
    """One of an environment's three roles (``Environment Admin``, ``User``, ``Read-only``)."""

    id: str | None = None
    name: str
    is_default: bool | None = None
    users: list[dict[str, Any]] = Field(default_factory=list)


class Environment(Model):
    """An environment of a service connection (3.3)."""

    id: str
    name: str
    description: str | None = None
    membership: str | None = None
    creation_date: Timestamp | None = None
    organization: dict[str, Any] | None = None
    service_connection: dict[str, Any] | None = None
    users: list[dict[str, Any]] = Field(default_factory=list)
    roles: list[EnvironmentRole] = Field(default_factory=list)

    @property
    def service_code(self) -> str | None:
        """The ``serviceCode`` of the environment's service connection (the URL segment)."""
        value = (self.service_connection or {}).get("serviceCode")
        return str(value) if value is not None else None


class User(Model):
    """A user (3.4)."""

    id: str
    user_name: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    creation_date: Timestamp | None = None
    status: str | None = None
    organization: Reference | None = None
    environments: list[Reference] = Field(default_factory=list)
    roles: list[dict[str, Any]] = Field(default_factory=list)


class ApiKey(Model):
    """One of a user's API keys (a cloudca extension). ``api_key``, the secret, is set only in the
    answer to its creation: the server keeps a digest and never shows it again."""

    id: str
    name: str = ""
    user_id: str | None = None
    creation_date: Timestamp | None = None
    last_used: Timestamp | None = None
    api_key: str | None = None
