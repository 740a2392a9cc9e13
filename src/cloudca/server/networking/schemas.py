"""Request bodies of the public IP, port forwarding, network ACL and load balancer APIs (6.9-6.12)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from cloudca.server.core.fields import Body, FlexBool, FlexInt, Port, Str, Uuid, UuidList


class AcquirePublicIp(Body):
    vpcId: Uuid


class EnableStaticNat(Body):
    privateIpId: Uuid


class CreatePortForwardingRule(Body):
    ipAddressId: Uuid
    protocol: Annotated[Str, Field(min_length=1)]
    publicPortStart: Port
    publicPortEnd: Port | None = None
    privatePortStart: Port
    privatePortEnd: Port | None = None
    instanceId: Uuid | None = None
    privateIpId: Uuid | None = None


AclName = Annotated[Str, Field(min_length=1, max_length=255)]
RuleNumber = Annotated[FlexInt, Field(ge=1, le=99999)]
# -1 is CloudStack's "any type/code".
IcmpValue = Annotated[FlexInt, Field(ge=-1, le=255)]


class CreateAcl(Body):
    name: AclName
    description: Str
    vpcId: Uuid


class UpdateAclRule(Body):
    ruleNumber: RuleNumber | None = None
    cidr: Str | None = None
    action: Str | None = None
    protocol: Str | None = None
    trafficType: Str | None = None
    startPort: Port | None = None
    endPort: Port | None = None
    icmpType: IcmpValue | None = None
    icmpCode: IcmpValue | None = None


class CreateAclRule(UpdateAclRule):
    networkAclId: Uuid
    ruleNumber: RuleNumber
    cidr: Str
    action: Str
    protocol: Str
    trafficType: Str


def _scalars_as_strings(value: Any) -> Any:
    """Stickiness parameters: any JSON scalar, stored as a string (G decodes ``map[string]string``)."""
    if not isinstance(value, dict):
        raise ValueError("must be an object of parameter names to values")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            out[key] = "true" if item else "false"
        elif isinstance(item, (str, int, float)):
            out[key] = str(item)
        else:
            raise ValueError(f"the value of {key} must be a string, number or boolean")
    return out


StickinessParameters = Annotated[dict[str, str], BeforeValidator(_scalars_as_strings)]
LbName = Annotated[Str, Field(min_length=1, max_length=255)]


class CreateLoadBalancerRule(Body):
    name: LbName
    publicIpId: Uuid
    networkId: Uuid | None = None
    publicPort: Port
    privatePort: Port
    algorithm: Str
    protocol: Str
    stickinessMethod: Str | None = None
    stickinessPolicyParameters: StickinessParameters | None = None
    instanceIds: UuidList | None = None
    sslCertificateId: Uuid | None = None


class UpdateLoadBalancerRule(Body):
    name: LbName | None = None
    algorithm: Str | None = None


class UpdateLoadBalancerInstances(Body):
    #: Absent means the empty list: the Go client omits an empty list (contract 8.26).
    instanceIds: UuidList | None = None


class UpdateLoadBalancerStickiness(Body):
    stickinessMethod: Str
    stickinessPolicyParameters: StickinessParameters | None = None


class CreateVpnUser(Body):
    username: Annotated[Str, Field(min_length=1, max_length=255)]
    password: Annotated[Str, Field(min_length=1, max_length=255)]


Lifetime = Annotated[FlexInt, Field(ge=1, le=2147483647)]


class CreateSiteToSiteVpn(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)]
    vpcId: Uuid
    gateway: Str
    cidr: Str
    ipSecPsk: Annotated[Str, Field(max_length=255)]
    ikeEncryptionAlgorithm: Str
    ikeHashAlgorithm: Str
    ikeDhGroup: Str | None = None
    ikeLifetime: Lifetime
    espEncryptionAlgorithm: Str
    espHashAlgorithm: Str
    espPerfectForwardSecrecy: Str | None = None
    espLifetime: Lifetime
    dpd: FlexBool = False
    forceEncap: FlexBool = False


# -- documentation of the representations (6.7-6.13, 6.19) ------------------------------------------


class Vpc(BaseModel):
    id: str
    name: str
    description: str
    cidr: str
    zoneId: str
    zoneName: str
    state: str
    networkDomain: str
    vpcOfferingId: str
    requiresUpgrade: bool
    vpnStatus: str
    type: str
    sourceNatIp: str | None = None


class Network(BaseModel):
    id: str
    name: str
    description: str
    vpcId: str
    vpcName: str
    zoneId: str
    zoneName: str
    cidr: str
    gateway: str
    netmask: str
    networkAclId: str
    networkAclName: str
    networkOfferingId: str
    networkOfferingName: str
    networkOfferingDescription: str
    state: str


class PublicIpInstance(BaseModel):
    id: str
    name: str


class PublicIp(BaseModel):
    """A public IP; ``networkId``/``networkName`` once bound, ``privateIpId``/``instanceId`` with
    static NAT."""

    id: str
    ipAddress: str
    state: str
    purposes: list[str]
    vpcId: str
    vpcName: str | None = None
    zoneId: str
    zoneName: str | None = None
    instances: list[PublicIpInstance]
    instanceNames: list[str]
    ports: list[str]
    networkId: str | None = None
    networkName: str | None = None
    privateIpId: str | None = None
    instanceId: str | None = None


class PortForwardingRule(BaseModel):
    """A port forwarding rule; ports are strings, as cloud.ca sends them."""

    id: str
    ipAddress: str
    ipAddressId: str
    publicPortStart: str
    publicPortEnd: str
    privatePortStart: str
    privatePortEnd: str
    protocol: str
    instanceId: str
    instanceName: str
    networkId: str
    vpcId: str
    privateIp: str
    privateIpId: str
    state: str


class Nic(BaseModel):
    id: str
    name: str
    ipAddress: str | None = None
    macAddress: str | None = None
    isDefault: bool
    networkId: str
    networkName: str
    gateway: str
    netmask: str
    instanceId: str
    vpcId: str
    vpcName: str
    secondaryIps: list[str]


class NetworkAcl(BaseModel):
    """A network ACL; the built-ins (``default_allow``, ``default_deny``) have no ``vpcId``."""

    id: str
    name: str
    description: str
    vpcId: str | None = None


class NetworkAclRule(BaseModel):
    """An ACL rule; numbers are strings, as cloud.ca sends them, and ports/ICMP appear when set."""

    id: str
    networkAclId: str
    ruleNumber: str
    cidr: str
    action: str
    protocol: str
    trafficType: str
    state: str
    startPort: str | None = None
    endPort: str | None = None
    icmpType: str | None = None
    icmpCode: str | None = None


class LoadBalancerRule(BaseModel):
    """A load balancer rule; ports are strings, as cloud.ca sends them; stickiness and the SSL
    certificate appear when set."""

    id: str
    name: str
    networkId: str
    publicIp: str | None = None
    publicIpId: str
    publicPort: str
    privatePort: str
    algorithm: str
    protocol: str
    stickinessPolicyParameters: dict[str, str]
    instanceIds: list[str]
    stickinessMethod: str | None = None
    stickinessPolicyId: str | None = None
    sslCertificateId: str | None = None


class RemoteAccessVpn(BaseModel):
    """A VPC's remote access VPN; its id is the source NAT IP's; ``presharedKey`` while enabled."""

    id: str
    publicIpAddress: str
    publicIpAddressId: str
    state: str
    type: str
    presharedKey: str | None = None


class VpnUser(BaseModel):
    id: str
    username: str


class SiteToSiteVpn(BaseModel):
    """A site-to-site VPN, fields as in the cloud.ca docs (lifetimes are integers there)."""

    id: str
    name: str
    state: str
    vpcId: str
    gateway: str
    cidr: str
    ipSecPsk: str
    ikeEncryptionAlgorithm: str
    ikeHashAlgorithm: str
    ikeLifetime: int
    espEncryptionAlgorithm: str
    espHashAlgorithm: str
    espLifetime: int
    dpd: bool
    forceEncap: bool
    ikeDhGroup: str | None = None
    espPerfectForwardSecrecy: str | None = None
