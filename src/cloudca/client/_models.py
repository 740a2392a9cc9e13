"""Typed representations of every entity the API returns (contract sections 3, 4 and 6).

Python attributes are snake_case; the wire names (camelCase, as the contract spells them) are the
aliases, so ``model_dump(by_alias=True)`` gives back the server's JSON. Every model keeps keys it does
not know (``extra="allow"``) so a newer server never breaks an older SDK.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from cloudca.client._model_base import ErrorDetail, Model, Reference, TaskStatus, Timestamp
from cloudca.client._network_models import (
    LoadBalancerRule,
    Network,
    NetworkAcl,
    NetworkAclRule,
    Nic,
    PortForwardingRule,
    PublicIp,
    RemoteAccessVpn,
    SiteToSiteVpn,
    Vpc,
    VpnUser,
)

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
    #: cloudca extension: the instance's host does not answer, so ``state`` is the last one known.
    host_down: bool = False
    affinity_group_ids: list[str] = Field(default_factory=list)
    user_data: str | None = None
    public_ips: list[InstancePublicIp] = Field(default_factory=list)
    nics: list[InstanceNic] = Field(default_factory=list)
    password: str | None = Field(default=None, repr=False)
    #: cloudca extension, resetPassword results: ``now`` (the running guest has it) or ``nextBoot``.
    password_applied: str | None = None


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
    #: cloudca extension: what the snapshot's copy occupies on the backend.
    size_in_bytes: int | None = None


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
