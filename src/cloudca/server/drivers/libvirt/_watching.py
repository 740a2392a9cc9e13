"""The libvirt driver's day-two surface: what the host has (drift), its events, and the console.

A mixin of ``LibvirtDriver`` (kept apart so that the driver's module stays about machines'
definitions); it makes the driver's one connection (after libvirt's event loop is registered) and
closes it. Disk files are checked for drift only where libvirt is local (a socket URI).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cloudca.server.drivers.base import ConsoleStream, HostInfo, MachineReport

from . import _console, _inventory
from ._connection import Connection
from ._events import DomainEvents


class Watching:
    """``list_machines``, ``report``, ``watch`` and ``open_console`` of ``ComputeDriver`` over libvirt."""

    _connection: Connection
    _events: DomainEvents

    def _connect(self, uri: str) -> Connection:
        # The events first: libvirt's event loop must be registered before a connection opens.
        self._events = DomainEvents(uri)
        return Connection(uri)

    async def close(self) -> None:
        await self._events.stop()
        await self._connection.close()

    async def hosts(self) -> Sequence[HostInfo]:
        raise NotImplementedError  # The driver's.

    async def _own_host(self) -> str:
        return (await self.hosts())[0].name

    async def list_machines(self) -> Sequence[MachineReport] | None:
        return await _inventory.list_machines(self._connection, await self._own_host())

    async def report(self, instance_id: str) -> MachineReport | None:
        return await _inventory.report(self._connection, await self._own_host(), instance_id)

    def watch(self, notify: Callable[[str], None]) -> None:
        self._events.start(notify)

    async def open_console(self, instance_id: str) -> ConsoleStream:
        return await _console.open_console(self._connection, instance_id)
