"""The payloads of the volume and snapshot task kinds (``core.payloads``): what the request's check
decided, recorded with the task and read back, typed, by its handler. Field names are the JSON keys
the payloads have always had, so a task recorded before an upgrade reads the same after it; the
deletes' payload is ``core.payloads.Deleted``."""

from __future__ import annotations

from dataclasses import dataclass

from cloudca.server.core.payloads import Payload


@dataclass(frozen=True)
class CreateVolumePayload(Payload):
    """``volumes.create``: the volume with its size, IOPS and zone chosen; attached to ``instanceId``
    when given."""

    name: str
    diskOfferingId: str
    sizeInGb: int
    zoneId: str
    iops: int | None = None
    instanceId: str | None = None


@dataclass(frozen=True)
class AttachmentPayload(Payload):
    """``volumes.attachToInstance`` and ``volumes.detachFromInstance``: the instance."""

    instanceId: str


@dataclass(frozen=True)
class ResizePayload(Payload):
    """``volumes.resize``: the new size and IOPS, and the instance the volume is attached to."""

    sizeInGb: int
    iops: int | None = None
    instanceId: str | None = None


@dataclass(frozen=True)
class SnapshotPayload(Payload):
    """``volumes.snapshot`` (its entity is the new snapshot): the volume, and the snapshot's name
    (``None``: the volume's name and ``-snapshot``)."""

    volumeId: str
    name: str | None = None


@dataclass(frozen=True)
class RevertPayload(Payload):
    """``snapshots.revert``: the snapshot's volume and the instance it is attached to."""

    volumeId: str
    instanceId: str | None = None
