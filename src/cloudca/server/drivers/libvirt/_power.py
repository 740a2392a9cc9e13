"""Powering cloudca's domains on and off, and removing them: what start, stop and destroy do to libvirt.

A stop is the ACPI power button (the guest shuts down cleanly), then a power off at the deadline:
QEMU without a guest agent has no other polite way, and a guest that ignores the button must
still end stopped, since the control plane records it so.
"""

from __future__ import annotations

import asyncio
import logging
import time

import libvirt

from ._connection import Connection, remove
from ._xml import domain_name

log = logging.getLogger("cloudca.drivers.libvirt")


async def power_on(connection: Connection, instance_id: str) -> None:
    """Start the domain unless it runs."""

    def start(conn: libvirt.virConnect) -> None:
        domain = conn.lookupByName(domain_name(instance_id))
        if not domain.isActive():
            domain.create()

    await connection.call(f"start machine {instance_id}", start)


async def shut_down(connection: Connection, instance_id: str, grace_seconds: float) -> None:
    """ACPI power button, then power off when the guest has not stopped within ``grace_seconds``."""
    name = domain_name(instance_id)

    def shutdown(conn: libvirt.virConnect) -> bool:
        domain = conn.lookupByName(name)
        if not domain.isActive():
            return False
        domain.shutdown()  # QEMU without a guest agent: the ACPI power button.
        return True

    if not await connection.call(f"shut down machine {instance_id}", shutdown):
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        active = await connection.call(
            f"watch machine {instance_id}", lambda c: bool(c.lookupByName(name).isActive())
        )
        if not active:
            return
        await asyncio.sleep(0.25)  # Polls the hypervisor; bounded by the deadline.
    log.info("machine %s ignored ACPI shutdown for %.0f s; powering it off", instance_id, grace_seconds)

    def power_off(conn: libvirt.virConnect) -> None:
        domain = conn.lookupByName(name)
        if domain.isActive():
            domain.destroy()

    await connection.call(f"power off machine {instance_id}", power_off)


async def undefine(connection: Connection, instance_id: str) -> None:
    """Power the domain off and undefine it; a domain that does not exist is fine."""

    await connection.call(
        f"remove machine {instance_id}",
        lambda conn: remove(lambda: conn.lookupByName(domain_name(instance_id))),
    )
