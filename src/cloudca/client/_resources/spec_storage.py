"""Volumes and NICs, asynchronously (mirrors :mod:`.storage`)."""

# spec: of async_storage.py (scripts/generate_sync_sdk.py): a method marked @task is written once,
# spec: as the builder of its call; the generated module adds wait, timeout and the typed overloads.
from __future__ import annotations

from cloudca.client._base import Call, model_parser
from cloudca.client._models import Nic, Snapshot, Volume
from cloudca.client._resources._base import AsyncCollection, async_id_task, task
from cloudca.client._resources._wire import wire_body

__all__ = ["AsyncNics", "AsyncSnapshots", "AsyncVolumes"]


class AsyncVolumes(AsyncCollection[Volume]):
    """Volumes (6.14)."""

    _entity_type = "volumes"
    _model = Volume

    @task
    def create(
        self,
        name: str,
        disk_offering_id: str,
        instance_id: str,
        *,
        size_in_gb: int | None = None,
        iops: int | None = None,
        zone_id: str | None = None,
    ) -> Call[Volume]:
        """Create a data volume and attach it to an instance."""
        return self._requests.create(
            wire_body(
                {
                    "name": name,
                    "disk_offering_id": disk_offering_id,
                    "instance_id": instance_id,
                    "size_in_gb": size_in_gb,
                    "iops": iops,
                    "zone_id": zone_id,
                }
            )
        )

    @async_id_task
    def delete(self, volume_id: str) -> Call[Volume | None]:
        """Delete a detached data volume."""
        return self._requests.delete(volume_id)

    @task
    def attach(self, volume_id: str, instance_id: str) -> Call[Volume]:
        """Attach a data volume to an instance."""
        return self._requests.operation(volume_id, "attachToInstance", {"instanceId": instance_id})

    @async_id_task
    def detach(self, volume_id: str) -> Call[Volume]:
        """Detach a data volume from its instance."""
        return self._requests.operation(volume_id, "detachFromInstance")

    @task
    def resize(
        self, volume_id: str, *, size_in_gb: int | None = None, iops: int | None = None
    ) -> Call[Volume]:
        """Grow a volume or change its IOPS."""
        return self._requests.operation(
            volume_id, "resize", wire_body({"size_in_gb": size_in_gb, "iops": iops})
        )

    @task
    def snapshot(self, volume_id: str, *, name: str | None = None) -> Call[Snapshot]:
        """Take a snapshot of a volume (cloudca extension); the result is the snapshot."""
        return self._requests.operation_parsed(
            volume_id, "snapshot", wire_body({"name": name}), model_parser(Snapshot)
        )


class AsyncSnapshots(AsyncCollection[Snapshot]):
    """Snapshots (6.15, read-only in the contract); revert and delete are cloudca extensions."""

    _entity_type = "snapshots"
    _model = Snapshot

    @async_id_task
    def revert(self, snapshot_id: str) -> Call[Snapshot]:
        """Make the snapshot's volume hold the snapshot's content again (the volume detached or its
        instance stopped)."""
        return self._requests.operation(snapshot_id, "revert")

    @async_id_task
    def delete(self, snapshot_id: str) -> Call[Snapshot | None]:
        """Delete a snapshot and its data."""
        return self._requests.delete(snapshot_id)


class AsyncNics(AsyncCollection[Nic]):
    """Network interfaces of instances (6.13)."""

    _entity_type = "nics"
    _model = Nic

    @task
    def create(self, instance_id: str, network_id: str) -> Call[Nic]:
        """Add a NIC in a network to an instance."""
        return self._requests.create(wire_body({"instance_id": instance_id, "network_id": network_id}))

    @async_id_task
    def delete(self, nic_id: str) -> Call[Nic | None]:
        """Remove a NIC that is not the default one."""
        return self._requests.delete(nic_id)

    @async_id_task
    def set_default(self, nic_id: str) -> Call[Nic]:
        """Make the NIC its instance's default."""
        return self._requests.operation(nic_id, "setDefault")
