"""The arguments of ``instances.create`` and the body of an instance's destroy, shared by the sync and
async resources."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Required, TypedDict

__all__ = ["InstanceCreate", "destroy_body"]


class InstanceCreate(TypedDict, total=False):
    """Arguments of ``instances.create`` (contract 4.2), snake_case for the wire's camelCase."""

    name: Required[str]
    template_id: Required[str]
    compute_offering_id: Required[str]
    network_id: Required[str]
    cpu_count: int
    memory_in_mb: int
    root_volume_size_in_gb: int
    disk_offering_id: str
    additional_disk_size_in_gb: int
    additional_disk_iops: int
    volume_id_to_attach: str
    ssh_key_name: str
    public_key: str
    affinity_group_id: str
    affinity_group_ids: list[str]
    dedicated_group_id: str
    ports_to_forward: list[str]
    user_data: str
    ip_address: str
    hostname: str


def destroy_body(
    purge_immediately: bool,
    delete_snapshots: bool,
    public_ip_ids_to_release: Sequence[str],
    volume_ids_to_delete: Sequence[str],
) -> dict[str, Any]:
    """Body of ``DELETE .../instances/{id}`` (contract 4.4)."""
    return {
        "purgeImmediately": purge_immediately,
        "deleteSnapshots": delete_snapshots,
        "publicIpIdsToRelease": list(public_ip_ids_to_release),
        "volumeIdsToDelete": list(volume_ids_to_delete),
    }
