"""Wire representations of catalog entities (API-CONTRACT 6.1-6.6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import literal

from cloudca.server.catalog.models import (
    ComputeOffering,
    DiskOffering,
    NetworkOffering,
    Template,
    VpcOffering,
    Zone,
)
from cloudca.server.core.carry import wire_columns
from cloudca.server.core.listing import SortColumns
from cloudca.server.db.base import iso

R = TypeVar("R")


def zone(row: Zone) -> dict[str, Any]:
    return {"id": row.id, "name": row.name}


def template(row: Template) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "size": row.size_bytes,
        "isPublic": row.is_public,
        "availablePublicly": row.is_public,
        "isReady": row.is_ready,
        "ready": row.is_ready,
        "isDynamicallyScalable": row.dynamically_scalable,
        "sshKeyEnabled": row.ssh_key_enabled,
        "passwordEnabled": row.password_enabled,
        "resizable": row.resizable,
        "extractable": False,
        "created": iso(row.created_at),
        "osType": row.os_type,
        "hypervisor": "KVM",
        "format": "QCOW2",
        "availableInZones": list(row.zone_ids),
    }


def compute_offering(row: ComputeOffering) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.id, "name": row.name, "custom": row.custom}
    if row.custom:
        body["availableCpuCountValues"] = list(row.available_cpu_counts)
        body["availableMemoryInMBValues"] = list(row.available_memory_mb)
        body["maxMemoryInMBToCpuRatio"] = row.max_memory_mb_per_cpu
    else:
        body["cpuCount"] = row.cpu_count
        body["memoryInMB"] = row.memory_mb
    return body


def disk_offering(row: DiskOffering) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "customSize": row.custom_size,
        "customIops": row.custom_iops,
    }
    if not row.custom_size and row.gb_size is not None:
        body["gbSize"] = row.gb_size
    if row.custom_iops:
        if row.min_iops is not None:
            body["minIops"] = row.min_iops
        if row.max_iops is not None:
            body["maxIops"] = row.max_iops
    return body


def vpc_offering(row: VpcOffering) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "services": list(row.services), "state": row.state}


def network_offering(row: NetworkOffering) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "services": list(row.services),
        "state": row.state,
    }


@dataclass(frozen=True)
class Kind(Generic[R]):
    """One kind of catalog entry as the API serves it."""

    #: The collection's name in paths, and the entity type a NotFound names.
    entity_type: str
    #: What a request's problem calls an entry it names that does not exist ("no such zone").
    noun: str
    #: The representation's sortable fields and the column each sorts by (7.2).
    sort: SortColumns
    represent: Callable[[R], dict[str, Any]]


KINDS: dict[type[Any], Kind[Any]] = {
    Zone: Kind("zones", "zone", wire_columns(Zone, "id name"), zone),
    Template: Kind(
        "templates",
        "template",
        {
            **wire_columns(
                Template,
                "id name description size isPublic isReady isDynamicallyScalable",
                "sshKeyEnabled passwordEnabled resizable created osType",
                size="size_bytes",
                isPublic="is_public",
                isReady="is_ready",
                isDynamicallyScalable="dynamically_scalable",
                created="created_at",
            ),
            "availablePublicly": Template.is_public,
            "ready": Template.is_ready,
            "extractable": literal(False),
            "hypervisor": literal("KVM"),
            "format": literal("QCOW2"),
        },
        template,
    ),
    ComputeOffering: Kind(
        "computeofferings",
        "compute offering",
        wire_columns(
            ComputeOffering,
            "id name custom cpuCount memoryInMB maxMemoryInMBToCpuRatio",
            memoryInMB="memory_mb",
            maxMemoryInMBToCpuRatio="max_memory_mb_per_cpu",
        ),
        compute_offering,
    ),
    DiskOffering: Kind(
        "diskofferings",
        "disk offering",
        wire_columns(DiskOffering, "id name customSize customIops gbSize minIops maxIops"),
        disk_offering,
    ),
    VpcOffering: Kind(
        "vpcofferings", "VPC offering", wire_columns(VpcOffering, "id name state"), vpc_offering
    ),
    NetworkOffering: Kind(
        "networkofferings",
        "network offering",
        wire_columns(NetworkOffering, "id name description state"),
        network_offering,
    ),
}
