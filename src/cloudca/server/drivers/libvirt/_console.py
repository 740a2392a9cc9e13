"""A running machine's serial console as a ``ConsoleStream``: a non-blocking libvirt stream.

libvirt calls back on its event loop thread (``_events.ensure_event_loop``) when the stream has
output; the callback reads it and hands it to the asyncio loop through a queue. Input is sent from
a worker thread. The console is opened with ``VIR_DOMAIN_CONSOLE_FORCE``: a newer session takes
the console over from an older one (a browser tab left open must not lock the operator out).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import libvirt

from cloudca.server.drivers.base import DriverError
from cloudca.server.drivers.consoles import QueuedConsole

from ._connection import Connection
from ._events import ensure_event_loop
from ._xml import domain_name

log = logging.getLogger("cloudca.drivers.libvirt")

_CHUNK = 64 * 1024
_END = libvirt.VIR_STREAM_EVENT_ERROR | libvirt.VIR_STREAM_EVENT_HANGUP
#: A full stream refuses input for a moment; keystrokes are few, so a short bounded wait suffices.
_SEND_ATTEMPTS = 50
_SEND_PAUSE_SECONDS = 0.02


class LibvirtConsole(QueuedConsole):
    def __init__(self, stream: libvirt.virStream, output: asyncio.Queue[bytes]) -> None:
        super().__init__(output)
        self._stream = stream

    async def write(self, data: bytes) -> None:
        self.check_open()
        for _ in range(_SEND_ATTEMPTS):
            try:
                sent = await asyncio.to_thread(self._stream.send, data)
            except libvirt.libvirtError as exc:
                raise DriverError(f"console input failed: {exc.get_error_message()}") from exc
            if sent == -2:  # Would block: the guest has not read what it was sent yet.
                await asyncio.sleep(_SEND_PAUSE_SECONDS)
                continue
            data = data[int(sent) :]
            if not data:
                return
        raise DriverError("the console did not take input")

    async def close(self) -> None:
        if not self.end():
            return

        def detach() -> None:
            with contextlib.suppress(libvirt.libvirtError):
                self._stream.eventRemoveCallback()
            with contextlib.suppress(libvirt.libvirtError):
                self._stream.abort()

        await asyncio.to_thread(detach)


async def open_console(connection: Connection, instance_id: str) -> LibvirtConsole:
    """Attach to ``instance_id``'s serial console; raises ``DriverError`` when it is not running."""
    ensure_event_loop()
    loop = asyncio.get_running_loop()
    output: asyncio.Queue[bytes] = asyncio.Queue()

    def on_event(stream: libvirt.virStream, events: int, _opaque: Any) -> None:
        # On libvirt's event thread: never block, hand everything to the asyncio loop.
        data: bytes = b""
        if events & libvirt.VIR_STREAM_EVENT_READABLE:
            try:
                received = stream.recv(_CHUNK)
            except libvirt.libvirtError:
                received = b""
            if received == -2:
                return
            data = received if isinstance(received, bytes) else b""
            if data:
                loop.call_soon_threadsafe(output.put_nowait, data)
                return
        if not data or events & _END:
            with contextlib.suppress(libvirt.libvirtError):
                stream.eventRemoveCallback()
            loop.call_soon_threadsafe(output.put_nowait, b"")

    def attach(conn: libvirt.virConnect) -> libvirt.virStream:
        domain = conn.lookupByName(domain_name(instance_id))
        if not domain.isActive():
            raise DriverError(f"machine {instance_id} is not running: its console is not there")
        stream = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
        try:
            domain.openConsole(None, stream, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
            stream.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | _END, on_event, None)
        except libvirt.libvirtError:
            with contextlib.suppress(libvirt.libvirtError):
                stream.abort()
            raise
        return stream

    stream = await connection.call(f"open the console of machine {instance_id}", attach)
    return LibvirtConsole(stream, output)
