"""Request bodies of the public IP, port forwarding, network ACL and load balancer APIs (6.9-6.12)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from cloudca.server.core.fields import Body, FlexInt, Port, Str, Uuid, UuidList


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
