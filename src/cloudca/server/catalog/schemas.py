"""Documentation models of catalog representations (API-CONTRACT 6.1-6.6), for ``/openapi.json``."""

from __future__ import annotations

from pydantic import BaseModel


class Zone(BaseModel):
    id: str
    name: str


class Template(BaseModel):
    id: str
    name: str
    description: str
    size: int
    isPublic: bool
    availablePublicly: bool
    isReady: bool
    ready: bool
    isDynamicallyScalable: bool
    sshKeyEnabled: bool
    passwordEnabled: bool
    resizable: bool
    extractable: bool
    created: str
    osType: str
    hypervisor: str
    format: str
    availableInZones: list[str]


class ComputeOffering(BaseModel):
    id: str
    name: str
    custom: bool
    cpuCount: int | None = None
    memoryInMB: int | None = None
    availableCpuCountValues: list[int] | None = None
    availableMemoryInMBValues: list[int] | None = None
    maxMemoryInMBToCpuRatio: int | None = None


class DiskOffering(BaseModel):
    id: str
    name: str
    gbSize: int | None = None
    customSize: bool
    customIops: bool
    minIops: int | None = None
    maxIops: int | None = None


class VpcOffering(BaseModel):
    id: str
    name: str
    services: list[str]
    state: str


class NetworkOffering(BaseModel):
    id: str
    name: str
    description: str
    services: list[str]
    state: str
