"""The payload of each instance task kind: what the request decided, recorded with the task (JSON in
``tasks.payload``) and read back, typed, by the task's handler.

Field names are the JSON keys the payloads have always had (the wire's camelCase, as the request
models spell them), so a task recorded before an upgrade reads the same after it. Unknown keys are
ignored and missing ones take the field's default.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudca.server.core.payloads import NoPayload, Payload

__all__ = [
    "AssociateSshKeyPayload",
    "ChangeComputeOfferingPayload",
    "ChangeNetworkPayload",
    "CreatePayload",
    "DestroyPayload",
    "NoPayload",
    "Payload",
    "RecoveryPointPayload",
    "UpdatePayload",
]


@dataclass(frozen=True)
class CreatePayload(Payload):
    """``instances.create``: what the create allocates besides the instance row and its NIC."""

    rootVolumeSizeInGb: int | None = None
    diskOfferingId: str | None = None
    additionalDiskSizeInGb: int | None = None
    additionalDiskIops: int | None = None
    volumeIdToAttach: str | None = None
    affinityGroupIds: tuple[str, ...] = ()
    portsToForward: tuple[int, ...] = ()


@dataclass(frozen=True)
class UpdatePayload(Payload):
    """``instances.update``: the new name and hostname (``None``: unchanged)."""

    name: str | None = None
    hostname: str | None = None


@dataclass(frozen=True)
class DestroyPayload(Payload):
    """``instances.destroy``: the options of 4.4, checked by the request."""

    purgeImmediately: bool = False
    deleteSnapshots: bool = False
    publicIpIdsToRelease: tuple[str, ...] = ()
    volumeIdsToDelete: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeComputeOfferingPayload(Payload):
    computeOfferingId: str
    cpuCount: int
    memoryInMB: int


@dataclass(frozen=True)
class ChangeNetworkPayload(Payload):
    networkId: str


@dataclass(frozen=True)
class AssociateSshKeyPayload(Payload):
    sshKeyName: str
    publicKey: str


@dataclass(frozen=True)
class RecoveryPointPayload(Payload):
    name: str
    description: str = ""
