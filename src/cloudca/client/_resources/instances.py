"""Instances (contract section 4): create, update, destroy and every operation."""

# Generated from async_instances.py by scripts/generate_sync_sdk.py: edit the source, then run it.

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Unpack, overload

from cloudca.client._base import Call
from cloudca.client._models import Instance
from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT, Collection, id_task
from cloudca.client._resources._instance_bodies import InstanceCreate, destroy_body
from cloudca.client._resources._wire import wire_body

if TYPE_CHECKING:
    from cloudca.client._task import Task

__all__ = ["Instances"]


class Instances(Collection[Instance]):
    """Virtual machines: create, update, destroy and the operations of contract section 4."""

    _entity_type = "instances"
    _model = Instance

    @overload
    def create(
        self,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
        **params: Unpack[InstanceCreate],
    ) -> Task[Instance]: ...
    @overload
    def create(
        self, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT, **params: Unpack[InstanceCreate]
    ) -> Instance: ...
    def create(
        self, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT, **params: Unpack[InstanceCreate]
    ) -> Task[Instance] | Instance:
        """Create and start an instance; the result carries ``password`` when the template has one."""
        return self._submit(self._requests.create(wire_body(params)), wait, timeout)

    @overload
    def update(
        self,
        instance_id: str,
        *,
        name: str | None = None,
        hostname: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance]: ...
    @overload
    def update(
        self,
        instance_id: str,
        *,
        name: str | None = None,
        hostname: str | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Instance: ...
    def update(
        self,
        instance_id: str,
        *,
        name: str | None = None,
        hostname: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance] | Instance:
        """Rename an instance or change its host name (a running instance reboots for a new host name)."""
        return self._submit(
            self._requests.update(instance_id, wire_body({"name": name, "hostname": hostname})), wait, timeout
        )

    @overload
    def destroy(
        self,
        instance_id: str,
        *,
        purge_immediately: bool = False,
        delete_snapshots: bool = False,
        public_ip_ids_to_release: Sequence[str] = (),
        volume_ids_to_delete: Sequence[str] = (),
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance | None]: ...
    @overload
    def destroy(
        self,
        instance_id: str,
        *,
        purge_immediately: bool = False,
        delete_snapshots: bool = False,
        public_ip_ids_to_release: Sequence[str] = (),
        volume_ids_to_delete: Sequence[str] = (),
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Instance | None: ...
    def destroy(
        self,
        instance_id: str,
        *,
        purge_immediately: bool = False,
        delete_snapshots: bool = False,
        public_ip_ids_to_release: Sequence[str] = (),
        volume_ids_to_delete: Sequence[str] = (),
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance | None] | Instance | None:
        """Destroy an instance (recoverable unless ``purge_immediately``), optionally with IPs and volumes."""
        return self._submit(
            self._requests.delete(
                instance_id,
                destroy_body(
                    purge_immediately, delete_snapshots, public_ip_ids_to_release, volume_ids_to_delete
                ),
            ),
            wait,
            timeout,
        )

    @id_task
    def start(self, instance_id: str) -> Call[Instance]:
        """Start a stopped instance."""
        return self._requests.operation(instance_id, "start")

    @id_task
    def stop(self, instance_id: str) -> Call[Instance]:
        """Stop a running instance."""
        return self._requests.operation(instance_id, "stop")

    @id_task
    def reboot(self, instance_id: str) -> Call[Instance]:
        """Reboot an instance (a stopped one ends up running)."""
        return self._requests.operation(instance_id, "reboot")

    @id_task
    def purge(self, instance_id: str) -> Call[Instance | None]:
        """Remove a destroyed instance for good."""
        return self._requests.operation_optional(instance_id, "purge")

    @id_task
    def recover(self, instance_id: str) -> Call[Instance]:
        """Bring a destroyed instance back (it comes back stopped)."""
        return self._requests.operation(instance_id, "recover")

    @overload
    def change_compute_offering(
        self,
        instance_id: str,
        compute_offering_id: str,
        *,
        cpu_count: int | None = None,
        memory_in_mb: int | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance]: ...
    @overload
    def change_compute_offering(
        self,
        instance_id: str,
        compute_offering_id: str,
        *,
        cpu_count: int | None = None,
        memory_in_mb: int | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Instance: ...
    def change_compute_offering(
        self,
        instance_id: str,
        compute_offering_id: str,
        *,
        cpu_count: int | None = None,
        memory_in_mb: int | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance] | Instance:
        """Change the compute offering (``cpu_count``, ``memory_in_mb`` if custom); reboots if running."""
        return self._submit(
            self._requests.operation(
                instance_id,
                "changeComputeOffering",
                wire_body(
                    {
                        "compute_offering_id": compute_offering_id,
                        "cpu_count": cpu_count,
                        "memory_in_mb": memory_in_mb,
                    }
                ),
            ),
            wait,
            timeout,
        )

    @overload
    def change_network(
        self,
        instance_id: str,
        network_id: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance]: ...
    @overload
    def change_network(
        self, instance_id: str, network_id: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Instance: ...
    def change_network(
        self, instance_id: str, network_id: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Task[Instance] | Instance:
        """Move the default NIC to another network of the same zone; reboots if running."""
        return self._submit(
            self._requests.operation(instance_id, "changeNetwork", {"networkId": network_id}), wait, timeout
        )

    @id_task
    def reset_password(self, instance_id: str) -> Call[Instance]:
        """Generate a new password; the result's ``password`` holds it."""
        return self._requests.operation(instance_id, "resetPassword")

    @overload
    def associate_ssh_key(
        self,
        instance_id: str,
        ssh_key_name: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance]: ...
    @overload
    def associate_ssh_key(
        self,
        instance_id: str,
        ssh_key_name: str,
        *,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Instance: ...
    def associate_ssh_key(
        self,
        instance_id: str,
        ssh_key_name: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance] | Instance:
        """Install a registered SSH key for the default user; reboots if running."""
        return self._submit(
            self._requests.operation(instance_id, "associateSSHKey", {"sshKeyName": ssh_key_name}),
            wait,
            timeout,
        )

    @overload
    def create_recovery_point(
        self,
        instance_id: str,
        name: str,
        *,
        description: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance]: ...
    @overload
    def create_recovery_point(
        self,
        instance_id: str,
        name: str,
        *,
        description: str | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Instance: ...
    def create_recovery_point(
        self,
        instance_id: str,
        name: str,
        *,
        description: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Instance] | Instance:
        """Store a recovery point of the instance."""
        return self._submit(
            self._requests.operation(
                instance_id,
                "createRecoveryPoint",
                {"recoveryPoint": wire_body({"name": name, "description": description})},
            ),
            wait,
            timeout,
        )
