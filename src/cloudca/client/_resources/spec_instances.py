"""Instances through :class:`~cloudca.AsyncClient` (mirrors :mod:`.instances`)."""

# spec: of async_instances.py (scripts/generate_sync_sdk.py): a method marked @task is written once,
# spec: as the builder of its call; the generated module adds wait, timeout and the typed overloads.
from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from cloudca.client._base import Call
from cloudca.client._models import Instance
from cloudca.client._resources._base import AsyncCollection, async_id_task, task
from cloudca.client._resources._instance_bodies import InstanceCreate, destroy_body
from cloudca.client._resources._wire import wire_body

__all__ = ["AsyncInstances"]


class AsyncInstances(AsyncCollection[Instance]):
    """Virtual machines: create, update, destroy and the operations of contract section 4."""

    _entity_type = "instances"
    _model = Instance

    @task
    def create(self, **params: Unpack[InstanceCreate]) -> Call[Instance]:
        """Create and start an instance; the result carries ``password`` when the template has one."""
        return self._requests.create(wire_body(params))

    @task
    def update(
        self, instance_id: str, *, name: str | None = None, hostname: str | None = None
    ) -> Call[Instance]:
        """Rename an instance or change its host name (a running instance reboots for a new host name)."""
        return self._requests.update(instance_id, wire_body({"name": name, "hostname": hostname}))

    @task
    def destroy(
        self,
        instance_id: str,
        *,
        purge_immediately: bool = False,
        delete_snapshots: bool = False,
        public_ip_ids_to_release: Sequence[str] = (),
        volume_ids_to_delete: Sequence[str] = (),
    ) -> Call[Instance | None]:
        """Destroy an instance (recoverable unless ``purge_immediately``), optionally with IPs and volumes."""
        return self._requests.delete(
            instance_id,
            destroy_body(purge_immediately, delete_snapshots, public_ip_ids_to_release, volume_ids_to_delete),
        )

    @async_id_task
    def start(self, instance_id: str) -> Call[Instance]:
        """Start a stopped instance."""
        return self._requests.operation(instance_id, "start")

    @async_id_task
    def stop(self, instance_id: str) -> Call[Instance]:
        """Stop a running instance."""
        return self._requests.operation(instance_id, "stop")

    @async_id_task
    def reboot(self, instance_id: str) -> Call[Instance]:
        """Reboot an instance (a stopped one ends up running)."""
        return self._requests.operation(instance_id, "reboot")

    @async_id_task
    def purge(self, instance_id: str) -> Call[Instance | None]:
        """Remove a destroyed instance for good."""
        return self._requests.operation_optional(instance_id, "purge")

    @async_id_task
    def recover(self, instance_id: str) -> Call[Instance]:
        """Bring a destroyed instance back (it comes back stopped)."""
        return self._requests.operation(instance_id, "recover")

    @task
    def change_compute_offering(
        self,
        instance_id: str,
        compute_offering_id: str,
        *,
        cpu_count: int | None = None,
        memory_in_mb: int | None = None,
    ) -> Call[Instance]:
        """Change the compute offering (``cpu_count``, ``memory_in_mb`` if custom); reboots if running."""
        return self._requests.operation(
            instance_id,
            "changeComputeOffering",
            wire_body(
                {
                    "compute_offering_id": compute_offering_id,
                    "cpu_count": cpu_count,
                    "memory_in_mb": memory_in_mb,
                }
            ),
        )

    @task
    def change_network(self, instance_id: str, network_id: str) -> Call[Instance]:
        """Move the default NIC to another network of the same zone; reboots if running."""
        return self._requests.operation(instance_id, "changeNetwork", {"networkId": network_id})

    @async_id_task
    def reset_password(self, instance_id: str) -> Call[Instance]:
        """Generate a new password; the result's ``password`` holds it."""
        return self._requests.operation(instance_id, "resetPassword")

    @task
    def associate_ssh_key(self, instance_id: str, ssh_key_name: str) -> Call[Instance]:
        """Install a registered SSH key for the default user; reboots if running."""
        return self._requests.operation(instance_id, "associateSSHKey", {"sshKeyName": ssh_key_name})

    @task
    def create_recovery_point(
        self, instance_id: str, name: str, *, description: str | None = None
    ) -> Call[Instance]:
        """Store a recovery point of the instance."""
        return self._requests.operation(
            instance_id,
            "createRecoveryPoint",
            {"recoveryPoint": wire_body({"name": name, "description": description})},
        )
