"""Documentation of the volume and snapshot representations (API-CONTRACT 6.5, 6.6)."""

from __future__ import annotations

from pydantic import BaseModel


class Volume(BaseModel):
    """A volume; instance, offering, IOPS and template fields appear when they apply."""

    id: str
    name: str
    type: str
    creationDate: str
    zoneId: str
    zoneName: str
    state: str
    sizeInGb: int
    instanceId: str | None = None
    instanceName: str | None = None
    instanceState: str | None = None
    iops: int | None = None
    diskOfferingId: str | None = None
    diskOfferingName: str | None = None
    templateId: str | None = None


class Snapshot(BaseModel):
    id: str
    name: str
    state: str
    intervalType: str
    volumeId: str | None = None
    volume: str
    volumeType: str
    created: str
    #: cloudca extension: what the snapshot's copy occupies on the backend.
    sizeInBytes: int = 0
