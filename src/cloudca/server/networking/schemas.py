"""Request bodies of the public IP and port forwarding APIs (API-CONTRACT 6.10, 6.11)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cloudca.server.core.fields import Body, Port, Str, Uuid


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
