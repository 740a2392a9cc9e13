"""What every driver's console shares: output that arrives in a queue, read in order, ended by ``b""``."""

from __future__ import annotations

import asyncio

from cloudca.server.drivers.base import ConsoleStream, DriverError


class QueuedConsole(ConsoleStream):
    """A console whose output is put in ``output`` (by a backend callback or a simulation); a
    ``b""`` in it means the console ended. Subclasses implement ``write`` and ``close``."""

    def __init__(self, output: asyncio.Queue[bytes] | None = None) -> None:
        self.output: asyncio.Queue[bytes] = output if output is not None else asyncio.Queue()
        self.closed = False

    async def read(self) -> bytes:
        if self.closed and self.output.empty():
            return b""
        return await self.output.get()

    def check_open(self) -> None:
        if self.closed:
            raise DriverError("the console is closed")

    def end(self) -> bool:
        """Mark the console closed (wakes a reader); False when it already was."""
        if self.closed:
            return False
        self.closed = True
        self.output.put_nowait(b"")
        return True
