"""The one place where a task's driver calls cross into the backend.

``GuardedDriver`` wraps any driver. Before each call it runs the task's lease check (the task
runner's, from memory: no database round trip), so a process that no longer owns a task never
drives its machine again; after it, a backend failure becomes the service's error with the
backend's reason: ``NoCapacityError`` is ``NoCapacity``, any other ``DriverError`` an
``InternalError`` naming what failed. Handlers then catch service errors only (or none), and the
message of a FAILED task reads the same whatever the backend.

Cheap by construction: one object per task, and per call one function call and one frame more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import ParamSpec, TypeVar

from cloudca.server.drivers import base
from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward
from cloudca.server.errors import InternalError, NoCapacity, ServiceError

P = ParamSpec("P")
T = TypeVar("T")

#: Raises (whatever the caller's fence raises) when the caller may no longer drive the backend.
LeaseCheck = Callable[[], None]


def _always() -> None:
    return None


def backend_error(exc: base.DriverError, action: str) -> ServiceError:
    """The service's error for a backend failure while doing ``action`` (e.g. "start the machine")."""
    if isinstance(exc, base.NoCapacityError):
        return NoCapacity(str(exc) or "No host can run the instance")
    return InternalError(f"The compute backend failed to {action}: {exc}")


class GuardedDriver(base.ComputeDriver):
    """``inner`` with the lease checked before, and errors mapped after, every backend call."""

    def __init__(self, inner: base.ComputeDriver, check: LeaseCheck = _always) -> None:
        self.inner = inner
        self.name = inner.name
        # Copied when the task starts: a driver settles its capabilities when it connects.
        self.capabilities: base.Capabilities = inner.capabilities
        self._check = check

    async def _call(
        self, action: str, method: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        self._check()
        try:
            return await method(*args, **kwargs)
        except base.DriverError as exc:
            raise backend_error(exc, action) from exc

    async def hosts(self) -> Sequence[base.HostInfo]:
        return await self._call("list its hosts", self.inner.hosts)

    async def adopt(self, machines: Sequence[base.KnownMachine]) -> None:
        await self._call("adopt the machines", self.inner.adopt, machines)

    async def create(self, spec: base.MachineSpec) -> None:
        await self._call("create the machine", self.inner.create, spec)

    async def start(self, instance_id: str) -> None:
        await self._call("start the machine", self.inner.start, instance_id)

    async def stop(self, instance_id: str) -> None:
        await self._call("stop the machine", self.inner.stop, instance_id)

    async def reboot(self, instance_id: str) -> None:
        await self._call("reboot the machine", self.inner.reboot, instance_id)

    async def destroy(self, instance_id: str) -> None:
        await self._call("destroy the machine", self.inner.destroy, instance_id)

    async def power_state(self, instance_id: str) -> base.PowerState | None:
        return await self._call("report the machine's power state", self.inner.power_state, instance_id)

    async def resize(self, instance_id: str, cpu_count: int, memory_mb: int) -> None:
        await self._call("resize the machine", self.inner.resize, instance_id, cpu_count, memory_mb)

    async def set_password(self, instance_id: str, username: str, password: str) -> base.PasswordApplied:
        return await self._call("set the password", self.inner.set_password, instance_id, username, password)

    async def set_ssh_key(self, instance_id: str, username: str, public_key: str) -> None:
        await self._call("set the SSH key", self.inner.set_ssh_key, instance_id, username, public_key)

    async def set_nics(self, instance_id: str, nics: Sequence[base.NicSpec]) -> None:
        await self._call("change the NICs", self.inner.set_nics, instance_id, nics)

    async def set_disks(self, instance_id: str, disks: Sequence[base.DiskSpec]) -> None:
        await self._call("change the disks", self.inner.set_disks, instance_id, disks)

    async def set_volume(self, volume_id: str, size_gb: int) -> None:
        await self._call("provide the volume", self.inner.set_volume, volume_id, size_gb)

    async def delete_volume(self, volume_id: str) -> None:
        await self._call("delete the volume", self.inner.delete_volume, volume_id)

    async def snapshot_volume(self, volume_id: str, snapshot_id: str) -> int:
        return await self._call("snapshot the volume", self.inner.snapshot_volume, volume_id, snapshot_id)

    async def revert_volume(self, volume_id: str, snapshot_id: str) -> None:
        await self._call("revert the volume", self.inner.revert_volume, volume_id, snapshot_id)

    async def delete_snapshot(self, snapshot_id: str) -> None:
        await self._call("delete the snapshot", self.inner.delete_snapshot, snapshot_id)

    async def set_port_forwarding(self, public_ip: str, rules: Sequence[PortForward]) -> None:
        await self._call("change port forwarding", self.inner.set_port_forwarding, public_ip, rules)

    async def set_static_nat(self, public_ip: str, private_ip: str | None) -> None:
        await self._call("change static NAT", self.inner.set_static_nat, public_ip, private_ip)

    async def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        await self._call(
            "change the network's filtering", self.inner.set_network_acl, network_id, cidr, rules
        )

    async def set_load_balancing(self, public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
        await self._call("change load balancing", self.inner.set_load_balancing, public_ip, balancers)

    async def list_machines(self) -> Sequence[base.MachineReport] | None:
        return await self._call("list its machines", self.inner.list_machines)

    async def report(self, instance_id: str) -> base.MachineReport | None:
        return await self._call("report the machine", self.inner.report, instance_id)

    def unreachable_hosts(self) -> frozenset[str]:
        return self.inner.unreachable_hosts()

    def watch(self, notify: Callable[[str], None]) -> None:
        self.inner.watch(notify)

    async def open_console(self, instance_id: str) -> base.ConsoleStream:
        return await self._call("open the console", self.inner.open_console, instance_id)

    async def close(self) -> None:
        # Shutdown is the runtime's, on the inner driver; a task's view of it has nothing to release.
        return None
