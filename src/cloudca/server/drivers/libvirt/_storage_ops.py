"""The libvirt driver's disk and password methods: ``set_disks``, ``set_password`` and the storage
without machines (``set_volume`` ... ``delete_snapshot`` of ``ComputeDriver``).

A mixin, so that driver.py stays the machines' module; what reaches a running guest is in
_volumes.py (disks) and _agent.py (passwords). A volume attached to a machine is found through
the machines' records (the only place the driver keeps state), and every change to it takes that
machine's lock, so a snapshot or a revert never races a start or a disk change.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from cloudca.server.drivers.base import DiskSpec, DriverError, PasswordApplied

from ._agent import set_password_now
from ._connection import Connection
from ._domains import volume_user
from ._seed import hash_password
from ._storage import Storage
from ._volumes import Volumes


class StorageOperations:
    _connection: Connection
    _storage: Storage
    _locks: dict[str, asyncio.Lock]

    async def _change(
        self, instance_id: str, record_change: dict[str, object], password_hash: str | None = None
    ) -> None:
        """The driver's: rewrite the machine's record and definition (under its lock)."""
        raise NotImplementedError

    @functools.cached_property
    def _volumes(self) -> Volumes:
        return Volumes(self._connection, self._storage)

    async def set_disks(self, instance_id: str, disks: Sequence[DiskSpec]) -> None:
        await self._change(instance_id, {"disks": tuple(disks)})

    async def set_password(self, instance_id: str, username: str, password: str) -> PasswordApplied:
        password_hash = await asyncio.to_thread(hash_password, password)
        # The seed first, so that the next boot keeps the password whatever the agent does.
        await self._change(instance_id, {"username": username}, password_hash=password_hash)
        async with self._locks.setdefault(instance_id, asyncio.Lock()):
            now = await set_password_now(self._connection, instance_id, username, password_hash)
        return PasswordApplied.NOW if now else PasswordApplied.NEXT_BOOT

    @contextlib.asynccontextmanager
    async def _volume(self, volume_id: str) -> AsyncIterator[tuple[Path, str | None, bool]]:
        """The volume's file, the machine that has it (if any, locked meanwhile) and whether it runs."""
        await asyncio.to_thread(self._storage.prepare)  # Storage may be asked before any machine.
        found = await volume_user(self._connection, volume_id)
        if found is None:
            yield self._storage.volume_path(volume_id), None, False
            return
        record = found[0]
        instance_id = record.spec.instance_id
        async with self._locks.setdefault(instance_id, asyncio.Lock()):
            again = await volume_user(self._connection, volume_id)  # It may have moved meanwhile.
            if again is None or again[0].spec.instance_id != instance_id:
                raise DriverError(f"volume {volume_id} changed machines meanwhile; try again")
            disk = next(disk for disk in again[0].spec.disks if disk.volume_id == volume_id)
            yield self._volumes.path(instance_id, disk), instance_id, again[1]

    async def set_volume(self, volume_id: str, size_gb: int) -> None:
        async with self._volume(volume_id) as (_, owner, _running):
            if owner is not None:
                raise DriverError(f"volume {volume_id} is attached to {owner}: change it with its disks")
            await self._storage.ensure_volume(volume_id, size_gb)

    async def delete_volume(self, volume_id: str) -> None:
        async with self._volume(volume_id) as (path, owner, _running):
            if owner is not None:
                raise DriverError(f"volume {volume_id} is attached to {owner}")
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def snapshot_volume(self, volume_id: str, snapshot_id: str) -> int:
        async with self._volume(volume_id) as (path, owner, running):
            return await self._volumes.snapshot(path, snapshot_id, owner if running else None)

    async def revert_volume(self, volume_id: str, snapshot_id: str) -> None:
        async with self._volume(volume_id) as (path, owner, running):
            if running:
                raise DriverError(f"volume {volume_id} is in use by running machine {owner}: stop it first")
            if owner is None and not path.exists():
                raise DriverError(f"volume {volume_id} has no data to revert")
            await self._volumes.revert(path, snapshot_id)

    async def delete_snapshot(self, snapshot_id: str) -> None:
        await asyncio.to_thread(self._volumes.delete_snapshot, snapshot_id)
