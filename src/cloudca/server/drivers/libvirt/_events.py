"""libvirt's domain events, handed to the asyncio loop as "look at this machine again".

libvirt delivers events only through an event loop implementation registered before the
connection that asks for them is opened. We use libvirt's default implementation, run by one
daemon thread per process (``libvirtaio`` would tie it to one asyncio loop, and tests run many).
The events have their own connection, reopened when it drops; whatever happens while it is down
is caught by the drift monitor's periodic sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import libvirt

from cloudca.server.background import Background

from ._xml import PREFIX

log = logging.getLogger("cloudca.drivers.libvirt")

_started = threading.Lock()
_running = False
RECONNECT_SECONDS = 2.0


def ensure_event_loop() -> None:
    """Register libvirt's default event loop and run it in a daemon thread, once per process.

    Registered on first use, not at import: a connection opened after registration announces
    keepalive support, and its keepalives are answered only while the loop runs.
    """
    global _running
    with _started:
        if _running:
            return
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=_run_forever, name="libvirt-events", daemon=True).start()
        _running = True


def _run_forever() -> None:
    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except libvirt.libvirtError:  # One bad iteration must not end every event of the process.
            log.warning("libvirt's event loop failed an iteration", exc_info=True)


def _post(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    """Hand a callback from libvirt's event thread to the loop. Events can still arrive after the
    loop has closed (a process stopping without ``stop``): nobody is left to tell, so drop them
    rather than raise in libvirt's thread."""
    if not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # Closed between the check and the call.
            loop.call_soon_threadsafe(callback, *args)


class DomainEvents:
    """Lifecycle and I/O error events of cloudca's domains on one libvirt URI."""

    def __init__(self, uri: str) -> None:
        ensure_event_loop()
        self._uri = uri
        self._loop = Background("cloudca-libvirt-events")

    def start(self, notify: Callable[[str], None]) -> None:
        """Call ``notify(instance_id)`` on the running loop for every event of a cloudca domain."""
        if not self._loop.running:
            self._loop.start(self._keep_connected(notify))

    async def _keep_connected(self, notify: Callable[[str], None]) -> None:
        loop = asyncio.get_running_loop()

        def deliver(domain: Any) -> None:
            name = str(domain.name())
            if name.startswith(PREFIX):
                _post(loop, notify, name[len(PREFIX) :])

        while True:
            closed = asyncio.Event()

            def on_close(closed: asyncio.Event = closed) -> None:
                _post(loop, closed.set)

            try:
                connection = await asyncio.to_thread(self._open, deliver, on_close)
            except libvirt.libvirtError as exc:
                log.warning("libvirt events at %s: %s; retrying", self._uri, exc.get_error_message())
                await asyncio.sleep(RECONNECT_SECONDS)  # Reconnecting, not synchronising.
                continue
            try:
                await closed.wait()
                log.warning("libvirt events at %s: the connection closed; reopening", self._uri)
            finally:
                with contextlib.suppress(libvirt.libvirtError):
                    await asyncio.to_thread(connection.close)
            await asyncio.sleep(RECONNECT_SECONDS)

    def _open(self, deliver: Callable[[Any], None], on_close: Callable[[], None]) -> libvirt.virConnect:
        connection = libvirt.open(self._uri)

        def lifecycle(_conn: Any, domain: Any, _event: int, _detail: int, _opaque: Any) -> None:
            deliver(domain)

        def io_error(_conn: Any, domain: Any, *_rest: Any) -> None:
            deliver(domain)

        try:
            connection.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
            connection.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR, io_error, None)
            connection.registerCloseCallback(lambda *_: on_close(), None)
        except libvirt.libvirtError:
            connection.close()
            raise
        # Keepalive makes a vanished daemon visible as a close, not as silence (local drivers such
        # as test:/// have none, and need none).
        with contextlib.suppress(libvirt.libvirtError):
            connection.setKeepAlive(5, 3)
        return connection

    async def stop(self) -> None:
        await self._loop.stop()
