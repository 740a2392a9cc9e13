"""Request bodies of the Instances API (API-CONTRACT 4.2-4.5), and the documented representation.

Field names are the wire names. Types are lenient where the contract says so (see ``core.fields``);
rules that need the database (does the template exist?) live in ``instances.service``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator

from cloudca.server.core.fields import (
    Body,
    CpuCount,
    FlexBool,
    Iops,
    MemoryInMB,
    Port,
    SizeInGb,
    Str,
    Uuid,
    UuidList,
)

MAX_USER_DATA = 32768
HOSTNAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,63}$")


def _hostname(value: str) -> str:
    # Said in words: the error message reaches people, who should not have to read a regex.
    if not HOSTNAME_PATTERN.fullmatch(value):
        raise ValueError("a host name is 1 to 63 letters, digits, hyphens or underscores")
    return value


Hostname = Annotated[Str, AfterValidator(_hostname)]


def _ports(value: Any) -> Any:
    if not isinstance(value, list):
        raise ValueError("must be an array of ports")
    return value


class CreateInstance(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)]
    templateId: Uuid
    computeOfferingId: Uuid
    networkId: Uuid
    cpuCount: CpuCount | None = None
    memoryInMB: MemoryInMB | None = None
    rootVolumeSizeInGb: SizeInGb | None = None
    diskOfferingId: Uuid | None = None
    additionalDiskSizeInGb: SizeInGb | None = None
    additionalDiskIops: Iops | None = None
    volumeIdToAttach: Uuid | None = None
    sshKeyName: Str | None = None
    publicKey: Str | None = None
    affinityGroupId: Uuid | None = None
    affinityGroupIds: UuidList | None = None
    dedicatedGroupId: Uuid | None = None
    portsToForward: Annotated[list[Port], BeforeValidator(_ports)] | None = None
    userData: Annotated[Str, Field(max_length=MAX_USER_DATA)] | None = None
    ipAddress: Str | None = None
    hostname: Hostname | None = None

    @field_validator("portsToForward")
    @classmethod
    def _distinct_ports(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("ports must not repeat")
        return value


class UpdateInstance(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)] | None = None
    hostname: Hostname | None = None


class DestroyInstance(Body):
    purgeImmediately: FlexBool = False
    deleteSnapshots: FlexBool = False
    publicIpIdsToRelease: UuidList = Field(default_factory=list)
    volumeIdsToDelete: UuidList = Field(default_factory=list)


class ChangeComputeOffering(Body):
    computeOfferingId: Uuid | None = None
    newComputeOfferingId: Uuid | None = None
    cpuCount: CpuCount | None = None
    memoryInMB: MemoryInMB | None = None
    #: Only read for the Go client's ChangeNetwork bug (4.5.7).
    networkId: Uuid | None = None


class ChangeNetwork(Body):
    networkId: Uuid


class AssociateSshKey(Body):
    sshKeyName: Str


class RecoveryPointFields(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)]
    description: Str = ""


class CreateRecoveryPoint(Body):
    recoveryPoint: RecoveryPointFields


# -- documentation of the representation (4.1) ----------------------------------------------------


class InstancePublicIp(BaseModel):
    id: str
    ipAddress: str
    purposes: list[str]
    ports: list[str]


class InstanceNic(BaseModel):
    id: str
    isDefault: bool
    networkId: str
    ipAddress: str | None = None
    networkName: str | None = None


class Instance(BaseModel):
    """An instance as GET returns it; list items omit ``userData``, ``publicIps`` and ``nics``."""

    id: str
    name: str
    state: str
    zoneId: str
    zoneName: str
    templateId: str
    templateName: str
    computeOfferingId: str
    computeOfferingName: str
    cpuCount: int
    memoryInMB: int
    networkId: str | None = None
    networkName: str | None = None
    vpcId: str | None = None
    vpcName: str | None = None
    ipAddress: str | None = None
    ipAddressId: str | None = None
    macAddress: str | None = None
    isPasswordEnabled: bool
    isSshKeyEnabled: bool
    sshKeyName: str | None = None
    hostname: str
    username: str
    hostDown: bool | None = Field(
        default=None,
        description="cloudca extension, only when true: the instance's host does not answer, so its "
        "state is the last one known; nothing new is placed on that host until it answers again",
    )
    affinityGroupIds: list[str]
    userData: str | None = None
    publicIps: list[InstancePublicIp] | None = None
    nics: list[InstanceNic] | None = None
    password: str | None = Field(default=None, description="Only in create and resetPassword task results")
    passwordApplied: str | None = Field(
        default=None,
        description="cloudca extension, resetPassword task results only: `now` (the running guest has "
        "the password, set through its agent) or `nextBoot` (the guest gets it at its next boot)",
    )


class ConsoleTicket(BaseModel):
    """A ticket to attach to an instance's serial console from a browser (a cloudca extension)."""

    ticket: str = Field(description="Put it in the console's URL as ``?ticket=``; it works once.")
    expiresAt: str = Field(description="When the ticket stops working (ISO 8601, UTC).")
    url: str = Field(description="The console's WebSocket path, ticket included.")
