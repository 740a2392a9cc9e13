"""Request bodies of the public IP, port forwarding and network ACL APIs (API-CONTRACT 6.9-6.11)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cloudca.server.core.fields import Body, FlexInt, Port, Str, Uuid


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
