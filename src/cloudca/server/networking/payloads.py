"""The payloads of the networking task kinds (``core.payloads``): what the request's check decided,
recorded with the task and read back, typed, by its handler.

Field names are the JSON keys the payloads have always had (the wire's camelCase; an update's
column names), so a task recorded before an upgrade reads the same after it. The ACL and VPN user
payloads live beside their checks (``acls``, ``vpns``); a site-to-site VPN's is its checked body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudca.server.core.payloads import Deleted, Payload

# -- public IPs and port forwarding ----------------------------------------------------------------


@dataclass(frozen=True)
class AcquireIpPayload(Payload):
    """``publicipaddresses.acquire``: the VPC and its zone, whose pool the IP comes from."""

    vpcId: str
    zoneId: str


@dataclass(frozen=True)
class StaticNatPayload(Payload):
    """``publicipaddresses.enableStaticNat``: the private IP (a NIC) and its network."""

    nicId: str
    networkId: str


@dataclass(frozen=True, kw_only=True)
class ForwardingPayload(Deleted):
    """Every port forwarding rule task (a delete's as it is): the rule's public IP, whose forwards
    the driver is given."""

    publicIpId: str


@dataclass(frozen=True, kw_only=True)
class CreateForwardPayload(ForwardingPayload):
    """``portforwardingrules.create``: the checked rule (ranges filled in, protocol's key upper case)."""

    protocol: str
    protocolKey: str
    publicPortStart: int
    publicPortEnd: int
    privatePortStart: int
    privatePortEnd: int
    instanceId: str
    nicId: str
    networkId: str


# -- NICs ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NicPayload(Deleted):
    """``nics.delete`` and ``nics.setDefault``: the NIC's instance, whose NIC list the driver is given."""

    instanceId: str


@dataclass(frozen=True)
class CreateNicPayload(Payload):
    """``nics.create``."""

    instanceId: str
    networkId: str
    name: str


# -- VPCs and networks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateVpcPayload(Payload):
    """``vpcs.create``: the VPC with its zone and CIDR chosen."""

    name: str
    description: str
    vpcOfferingId: str
    zoneId: str
    networkDomain: str
    cidr: str


@dataclass(frozen=True)
class CreateNetworkPayload(Payload):
    """``networks.create``: the network with its CIDR, gateway and netmask chosen."""

    name: str
    description: str
    vpcId: str
    zoneId: str
    networkOfferingId: str
    networkAclId: str
    cidr: str
    gateway: str
    netmask: str


@dataclass(frozen=True)
class UpdatePayload(Payload):
    """``vpcs.update`` and ``networks.update`` (``?operation=replace`` sets only the ACL): the new
    column values, ``None`` for unchanged."""

    name: str | None = None
    description: str | None = None
    network_acl_id: str | None = None

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self.to_json().items() if value is not None}


# -- load balancer rules ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BalancerPayload(Deleted):
    """Every load balancer rule task (a delete's as it is): the rule's public IP, whose balancers the
    driver is given, and network, where its members' addresses are."""

    publicIpId: str
    networkId: str


@dataclass(frozen=True, kw_only=True)
class StickinessPayload(BalancerPayload):
    """``loadbalancerrules.updateStickiness``: the policy (no method: none)."""

    stickinessMethod: str | None
    stickinessPolicyParameters: dict[str, str]
    stickinessPolicyId: str | None


@dataclass(frozen=True, kw_only=True)
class CreateRulePayload(StickinessPayload):
    """``loadbalancerrules.create``: the checked rule and its members."""

    name: str
    publicPort: int
    privatePort: int
    protocol: str
    algorithm: str
    instanceIds: tuple[str, ...]
    sslCertificateId: str | None


@dataclass(frozen=True, kw_only=True)
class UpdateRulePayload(BalancerPayload):
    """``loadbalancerrules.update``: the new name and algorithm (``None``: unchanged)."""

    name: str | None
    algorithm: str | None


@dataclass(frozen=True, kw_only=True)
class MembersPayload(BalancerPayload):
    """``loadbalancerrules.updateInstances``: the rule's members from now on."""

    instanceIds: tuple[str, ...]
