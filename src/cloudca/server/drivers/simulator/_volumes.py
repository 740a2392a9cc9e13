"""The simulator's storage without machines: detached volumes' sizes and snapshots.

A snapshot records its volume and the volume's size when taken; its "size" is that many bytes
(a real backend reports what the copy occupies). Attached volumes live in their machine's disks,
so a volume's size is looked up there first. The driver gives these operations set_disks' latency
and faults: they are disk work too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cloudca.server.drivers.base import DiskSpec, DriverError, PowerState

from ._state import SimulatedMachine

#: The driver's machines as they are now.
Machines = Callable[[], Iterable[SimulatedMachine]]


@dataclass(frozen=True)
class SimulatedSnapshot:
    volume_id: str
    size_gb: int


class SimulatedVolumes:
    def __init__(self, machines: Machines) -> None:
        self._machines = machines
        self._detached: dict[str, int] = {}
        self._snapshots: dict[str, SimulatedSnapshot] = {}

    def _attached(self, volume_id: str) -> tuple[DiskSpec, bool] | None:
        for machine in self._machines():
            for disk in machine.disks:
                if disk.volume_id == volume_id:
                    return disk, machine.power_state is PowerState.RUNNING
        return None

    def _size(self, volume_id: str) -> int:
        attached = self._attached(volume_id)
        if attached is not None:
            return attached[0].size_gb
        if volume_id not in self._detached:
            raise DriverError(f"the simulator has no volume {volume_id}")
        return self._detached[volume_id]

    def set_volume(self, volume_id: str, size_gb: int) -> None:
        if self._attached(volume_id) is not None:
            raise DriverError(f"volume {volume_id} is attached: change it through set_disks")
        self._detached[volume_id] = max(size_gb, self._detached.get(volume_id, 0))

    def delete_volume(self, volume_id: str) -> None:
        if self._attached(volume_id) is not None:
            raise DriverError(f"volume {volume_id} is attached")
        self._detached.pop(volume_id, None)

    def snapshot(self, volume_id: str, snapshot_id: str) -> int:
        existing = self._snapshots.get(snapshot_id)
        if existing is None:
            existing = SimulatedSnapshot(volume_id, self._size(volume_id))
            self._snapshots[snapshot_id] = existing
        elif existing.volume_id != volume_id:
            raise DriverError(f"snapshot {snapshot_id} is of volume {existing.volume_id}")
        return existing.size_gb * 1024**3

    def revert(self, volume_id: str, snapshot_id: str) -> None:
        snapshot = self._snapshots.get(snapshot_id)
        if snapshot is None:
            raise DriverError(f"the simulator has no snapshot {snapshot_id}")
        attached = self._attached(volume_id)
        if attached is not None and attached[1]:
            raise DriverError(f"volume {volume_id} is in use by a running machine")
        self._size(volume_id)  # The volume must exist; its size stays.

    def delete_snapshot(self, snapshot_id: str) -> None:
        self._snapshots.pop(snapshot_id, None)

    def attached(self, old: Iterable[DiskSpec], new: Iterable[DiskSpec]) -> tuple[DiskSpec, ...]:
        """A machine's new disks; the data disks it no longer has become detached volumes."""
        disks = tuple(new)
        kept = {disk.volume_id for disk in disks}
        self.detach_all(disk for disk in old if disk.volume_id not in kept)
        for disk in disks:
            self._detached.pop(disk.volume_id, None)
        return disks

    def detach_all(self, disks: Iterable[DiskSpec]) -> None:
        """A destroyed machine's data disks become detached volumes (they outlive it)."""
        for disk in disks:
            if not disk.is_root:
                self._detached[disk.volume_id] = disk.size_gb


class SimulatedStorage:
    """The simulator's storage methods of ``ComputeDriver`` (a mixin: driver.py keeps the machines)."""

    _volumes: SimulatedVolumes

    async def _begin(self, operation: str, subject: str) -> None:
        """The driver's: the operation's latency, then an injected fault if one is due."""
        raise NotImplementedError

    async def set_volume(self, volume_id: str, size_gb: int) -> None:
        await self._begin("set_disks", volume_id)
        self._volumes.set_volume(volume_id, size_gb)

    async def delete_volume(self, volume_id: str) -> None:
        await self._begin("set_disks", volume_id)
        self._volumes.delete_volume(volume_id)

    async def snapshot_volume(self, volume_id: str, snapshot_id: str) -> int:
        await self._begin("set_disks", volume_id)
        return self._volumes.snapshot(volume_id, snapshot_id)

    async def revert_volume(self, volume_id: str, snapshot_id: str) -> None:
        await self._begin("set_disks", volume_id)
        self._volumes.revert(volume_id, snapshot_id)

    async def delete_snapshot(self, snapshot_id: str) -> None:
        await self._begin("set_disks", snapshot_id)
        self._volumes.delete_snapshot(snapshot_id)
