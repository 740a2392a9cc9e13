"""Disks of running machines, and storage that lives without a machine: volumes and snapshots.

A disk change of a running machine reaches it at once: a new data volume is hot-plugged (virtio,
into one of the spare PCIe root ports the definition keeps), a removed one is unplugged (the guest
releases it; we wait for that, bounded), a grown one is resized under the guest (``blockResize``).
The definition (next boot) is rewritten by the driver afterwards, as for every change.

Snapshots are full, sparse qcow2 copies in ``snapshots/<id>.qcow2``. Why copies, and not qcow2
internal snapshots or external overlays: a snapshot outlives its volume (contract 6.15), so it
cannot live inside the volume's file; an external overlay chain would make every later write,
delete and revert a block-commit or a rebase of a running disk, and a volume that moves to
another machine would carry the chain along. A copy is independent of everything: delete is an
unlink, revert is a copy back. The cost is space (what the volume holds, not its virtual size)
and time proportional to the data. A disk in use by a running machine is copied by QEMU's backup
job (point in time: what the disk held when the job started, while the guest keeps writing); an
idle disk by ``qemu-img convert``. A revert needs the disk idle (the volume detached or its
machine stopped): rewriting a disk under a running guest's file system would corrupt it.
"""

from __future__ import annotations

import asyncio
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libvirt

from cloudca.server.drivers.base import DiskSpec, DriverError

from ._connection import Connection
from ._storage import Storage, qemu_img
from ._xml import DomainDisk, backup_xml, disk_xml, domain_name

_GIB = 1024**3
#: Snapshots and reverted volumes hold a user's data: only root (and the hypervisor, which libvirt
#: gives the file to while a machine uses it) reads them.
_OWNER_ONLY = 0o600


@dataclass(frozen=True)
class DiskChanges:
    """What a running machine must be told when its disks go from ``old`` to ``new`` (pure)."""

    attach: tuple[DiskSpec, ...]
    detach: tuple[DiskSpec, ...]
    grow: tuple[DiskSpec, ...]


def disk_changes(old: Sequence[DiskSpec], new: Sequence[DiskSpec]) -> DiskChanges:
    before = {disk.volume_id: disk for disk in old}
    after = {disk.volume_id: disk for disk in new}
    return DiskChanges(
        attach=tuple(disk for key, disk in after.items() if key not in before and not disk.is_root),
        detach=tuple(disk for key, disk in before.items() if key not in after and not disk.is_root),
        grow=tuple(
            disk for key, disk in after.items() if key in before and disk.size_gb > before[key].size_gb
        ),
    )


def free_target(used: set[str]) -> str:
    """The first virtio disk name no disk of the running machine has (``vdb``, ``vdc``, ...)."""
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"vd{letter}" not in used:
            return f"vd{letter}"
    raise DriverError("the machine has no free disk name left")


def _live_disks(domain: libvirt.virDomain) -> dict[str, ET.Element]:
    """The running machine's disks by source file."""
    live = ET.fromstring(domain.XMLDesc(0))  # noqa: S314 - libvirt's own XML
    disks: dict[str, ET.Element] = {}
    for element in live.iterfind("devices/disk"):
        source = element.find("source")
        if source is not None and source.get("file"):
            disks[source.get("file", "")] = element
    return disks


def _target(element: ET.Element) -> str:
    target = element.find("target")
    return "" if target is None else target.get("dev", "")


def allocated_bytes(path: Path) -> int:
    """What a (sparse) file occupies on disk."""
    return path.stat().st_blocks * 512


class Volumes:
    def __init__(self, connection: Connection, storage: Storage, *, detach_timeout: float = 60.0) -> None:
        self._connection = connection
        self._storage = storage
        self._detach_timeout = detach_timeout

    def path(self, instance_id: str | None, disk: DiskSpec) -> Path:
        if disk.is_root:
            assert instance_id is not None
            return self._storage.machine_dir(instance_id) / "root.qcow2"
        return self._storage.volume_path(disk.volume_id)

    # -- Disks of a machine -------------------------------------------------------------------------

    async def apply(self, instance_id: str, old: Sequence[DiskSpec], new: Sequence[DiskSpec]) -> None:
        """Bring the machine's disk files, and its running guest if it runs, from ``old`` to ``new``."""
        changes = disk_changes(old, new)
        for disk in changes.attach:  # The file first: made (or grown) while no guest uses it.
            await self._storage.ensure_volume(disk.volume_id, disk.size_gb)
        name = domain_name(instance_id)
        active = await self._connection.call(
            f"read machine {instance_id}", lambda c: bool(c.lookupByName(name).isActive())
        )
        if not active:
            for disk in changes.grow:
                path = self.path(instance_id, disk)
                if path.exists():
                    await qemu_img("resize", "-q", str(path), f"{disk.size_gb}G")
            return
        detach = {str(self.path(instance_id, disk)) for disk in changes.detach}

        def change(connection: libvirt.virConnect) -> None:
            domain = connection.lookupByName(name)
            disks = _live_disks(domain)
            for path in detach & disks.keys():
                domain.detachDeviceFlags(
                    ET.tostring(disks[path], encoding="unicode"), libvirt.VIR_DOMAIN_AFFECT_LIVE
                )
            for disk in changes.grow:
                path = str(self.path(instance_id, disk))
                if path in disks:
                    domain.blockResize(path, disk.size_gb * _GIB, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
            used = {_target(element) for element in disks.values()}
            for disk in changes.attach:
                path = str(self.path(instance_id, disk))
                if path in disks:
                    continue
                target = free_target(used)
                used.add(target)
                device = DomainDisk(path=path, target=target, serial=disk.volume_id[:20])
                domain.attachDeviceFlags(disk_xml(device), libvirt.VIR_DOMAIN_AFFECT_LIVE)

        await self._connection.call(f"change the disks of machine {instance_id}", change)
        if detach:
            await self._wait_released(instance_id, detach)

    async def _wait_released(self, instance_id: str, paths: set[str]) -> None:
        """An unplug completes when the guest lets the device go (PCIe hotplug waits ~5 s for it)."""
        name = domain_name(instance_id)

        def remaining(connection: libvirt.virConnect) -> set[str]:
            domain = connection.lookupByName(name)
            return paths & _live_disks(domain).keys() if domain.isActive() else set()

        deadline = time.monotonic() + self._detach_timeout
        while await self._connection.call(f"watch the disks of machine {instance_id}", remaining):
            if time.monotonic() > deadline:
                raise DriverError(
                    f"machine {instance_id} did not release its disk within {self._detach_timeout:.0f} s"
                )
            await asyncio.sleep(0.25)  # Polls the hypervisor; bounded by the deadline.

    # -- Snapshots ----------------------------------------------------------------------------------

    async def snapshot(self, source: Path, snapshot_id: str, user: str | None) -> int:
        """Copy ``source`` into the snapshot; ``user`` is the running machine using it, if any."""
        final = self._storage.snapshot_path(snapshot_id)
        if final.exists():  # A retried task: the copy was made (it is renamed into place whole).
            return allocated_bytes(final)
        if not await asyncio.to_thread(source.exists):
            raise DriverError(f"no disk file for the volume at {source}")
        partial = final.with_suffix(".part")
        partial.unlink(missing_ok=True)
        if user is None:
            await qemu_img("convert", "-q", "-O", "qcow2", str(source), str(partial))
        else:
            await self._backup(user, source, partial)
        partial.chmod(_OWNER_ONLY)
        partial.replace(final)
        return allocated_bytes(final)

    async def _backup(self, instance_id: str, source: Path, partial: Path) -> None:
        info = json.loads(await qemu_img("info", "--output=json", "-U", str(source)))
        await qemu_img("create", "-q", "-f", "qcow2", str(partial), str(int(info["virtual-size"])))
        name = domain_name(instance_id)

        def begin(connection: libvirt.virConnect) -> None:
            domain = connection.lookupByName(name)
            disks = _live_disks(domain)
            if str(source) not in disks:
                raise DriverError(f"machine {instance_id} does not use {source}")
            others = tuple(_target(e) for path, e in disks.items() if path != str(source))
            xml = backup_xml(_target(disks[str(source)]), str(partial), others)
            domain.backupBegin(xml, None, libvirt.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL)

        await self._connection.call(f"snapshot a disk of machine {instance_id}", begin)

        def finished(connection: libvirt.virConnect) -> dict[str, int] | None:
            domain = connection.lookupByName(name)
            if domain.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE:
                return None
            return dict(domain.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED))

        deadline = time.monotonic() + 600
        while (stats := await self._connection.call(f"watch machine {instance_id}", finished)) is None:
            if time.monotonic() > deadline:
                raise DriverError(f"the snapshot of machine {instance_id}'s disk did not end in 600 s")
            await asyncio.sleep(0.2)  # Polls the backup job; bounded by the deadline.
        if stats.get("type") != libvirt.VIR_DOMAIN_JOB_COMPLETED:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
            raise DriverError(
                f"the snapshot of machine {instance_id}'s disk failed: {stats.get('errmsg', '')}"
            )

    async def revert(self, target: Path, snapshot_id: str) -> None:
        """Make ``target`` (a disk no running machine uses) a copy of the snapshot, keeping its size."""
        snapshot = self._storage.snapshot_path(snapshot_id)
        if not snapshot.exists():
            raise DriverError(f"snapshot {snapshot_id} has no data")
        size = 0
        if await asyncio.to_thread(target.exists):
            size = int(json.loads(await qemu_img("info", "--output=json", "-U", str(target)))["virtual-size"])
        partial = target.with_name(target.name + ".revert")
        partial.unlink(missing_ok=True)
        await qemu_img("convert", "-q", "-O", "qcow2", str(snapshot), str(partial))
        grown = json.loads(await qemu_img("info", "--output=json", str(partial)))["virtual-size"]
        if size > int(grown):  # The volume grew after the snapshot: it keeps its size.
            await qemu_img("resize", "-q", str(partial), str(size))
        partial.chmod(_OWNER_ONLY)
        partial.replace(target)

    def delete_snapshot(self, snapshot_id: str) -> None:
        path = self._storage.snapshot_path(snapshot_id)
        path.with_suffix(".part").unlink(missing_ok=True)
        path.unlink(missing_ok=True)
