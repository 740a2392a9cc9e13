"""The one place where libvirt is called: off the event loop, with libvirt's errors mapped to the driver's.

Every libvirt call of the driver goes through ``Connection.call``: it runs the blocking call in a
worker thread, checks first that the caller may still act (``fence``: a task that lost its lease
must not touch the machine), and turns ``libvirt.libvirtError`` into ``DriverError`` (or
``MachineNotFoundError``/``NoCapacityError``) with ``raise ... from``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import libvirt

from cloudca.server.drivers.base import DriverError, MachineNotFoundError, NoCapacityError

log = logging.getLogger("cloudca.drivers.libvirt")
T = TypeVar("T")

#: Set by the task runner around a task's driver calls: raises when the task may no longer act (its
#: lease moved to another process). ``None`` outside tasks (start-up, tests).
fence: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "cloudca_fence", default=None
)

_NOT_FOUND = {libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_NETWORK}


def _quiet(_context: object, _error: object) -> None:
    """libvirt prints every error on stderr by default; ours are raised and logged where handled."""


libvirt.registerErrorHandler(_quiet, None)


def translate(exc: libvirt.libvirtError, what: str) -> DriverError:
    """The driver error for a libvirt error."""
    code = exc.get_error_code()
    message = f"{what}: {exc.get_error_message() or exc}"
    if code == libvirt.VIR_ERR_NO_DOMAIN:
        return MachineNotFoundError(message)
    if code == libvirt.VIR_ERR_NO_MEMORY or "Cannot allocate memory" in message:
        return NoCapacityError(message)
    return DriverError(message)


def is_missing(exc: libvirt.libvirtError) -> bool:
    return exc.get_error_code() in _NOT_FOUND


def remove(lookup: Callable[[], libvirt.virDomain | libvirt.virNetwork]) -> None:
    """Stop and undefine the domain or network ``lookup`` finds; one that does not exist is fine."""
    try:
        found = lookup()
    except libvirt.libvirtError as exc:
        if is_missing(exc):
            return
        raise
    if found.isActive():
        found.destroy()
    found.undefine()


class Connection:
    """A lazily opened libvirt connection; ``call`` is the only way to use it."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._connection: libvirt.virConnect | None = None
        self._opening = asyncio.Lock()

    async def call(self, what: str, function: Callable[[libvirt.virConnect], T]) -> T:
        """Run ``function(connection)`` in a thread; ``what`` names the action in errors."""
        check = fence.get()
        if check is not None:
            check()
        connection = await self._open()
        try:
            return await asyncio.to_thread(function, connection)
        except libvirt.libvirtError as exc:
            raise translate(exc, what) from exc

    async def _open(self) -> libvirt.virConnect:
        async with self._opening:
            if self._connection is None or not self._alive(self._connection):
                try:
                    self._connection = await asyncio.to_thread(libvirt.open, self.uri)
                except libvirt.libvirtError as exc:
                    raise DriverError(f"cannot connect to libvirt at {self.uri}: {exc}") from exc
            return self._connection

    @staticmethod
    def _alive(connection: Any) -> bool:
        try:
            return bool(connection.isAlive())
        except libvirt.libvirtError:
            return False

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await asyncio.to_thread(connection.close)
            except libvirt.libvirtError:
                log.warning("closing the libvirt connection failed", exc_info=True)
