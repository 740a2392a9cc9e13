"""What one libvirt host has now, as the drift monitor wants it: every domain's power, whether it
stopped by failure, and whether its disks are still there.

A domain stopped because QEMU died or the guest crashed stays defined and shut off; libvirt keeps
why (the shut-off reason), which is how a killed emulator differs from a guest's own power-off.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

import libvirt

from cloudca.server.drivers.base import MachineReport, PowerState

from ._connection import Connection, is_missing
from ._xml import PREFIX, domain_name

_ACTIVE = {
    libvirt.VIR_DOMAIN_RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED,
    libvirt.VIR_DOMAIN_PAUSED,
    libvirt.VIR_DOMAIN_PMSUSPENDED,
    libvirt.VIR_DOMAIN_SHUTDOWN,  # Shutting down: still running until it is off.
}
_FAILED_SHUTOFF = {libvirt.VIR_DOMAIN_SHUTOFF_CRASHED, libvirt.VIR_DOMAIN_SHUTOFF_FAILED}


def _missing_disks(domain: libvirt.virDomain) -> list[str]:
    # libvirt's own XML of a domain.
    root = ET.fromstring(domain.XMLDesc(0))  # noqa: S314
    paths = [source.get("file", "") for source in root.iterfind("./devices/disk/source")]
    return [path for path in paths if path and not Path(path).exists()]


def describe(domain: libvirt.virDomain, host_name: str, check_files: bool) -> MachineReport:
    """The report of one domain (its disk files are checked only where they are local)."""
    name = str(domain.name())
    state, reason = domain.state()
    active = state in _ACTIVE
    crashed = state == libvirt.VIR_DOMAIN_CRASHED or (
        state == libvirt.VIR_DOMAIN_SHUTOFF and reason in _FAILED_SHUTOFF
    )
    problem = ""
    if name.startswith(PREFIX) and not domain.isPersistent():
        # cloudca defines every machine persistently: a transient one was undefined behind its back
        # while running, and vanishes when it stops.
        problem = "the machine's definition was deleted from its host"
    elif name.startswith(PREFIX) and check_files:
        missing = _missing_disks(domain)
        if missing:
            problem = f"the machine's disk files are gone: {', '.join(missing)}"
    return MachineReport(
        instance_id=name[len(PREFIX) :] if name.startswith(PREFIX) else None,
        name=name,
        host_name=host_name,
        power_state=PowerState.RUNNING if active else PowerState.STOPPED,
        crashed=crashed,
        problem=problem,
    )


def files_are_local(uri: str) -> bool:
    """Whether the driver sees the host's files (a local socket), so disk files can be checked."""
    return not urlparse(uri).netloc


async def list_machines(connection: Connection, host_name: str) -> Sequence[MachineReport]:
    """Every domain of the host, cloudca's or not."""
    check = files_are_local(connection.uri)

    def read(conn: libvirt.virConnect) -> list[MachineReport]:
        reports = []
        for domain in conn.listAllDomains(0):
            try:
                reports.append(describe(domain, host_name, check))
            except libvirt.libvirtError as exc:
                if not is_missing(exc):  # Undefined since it was listed: it is not there.
                    raise
        return reports

    return await connection.call("list machines", read)


async def report(connection: Connection, host_name: str, instance_id: str) -> MachineReport | None:
    """One machine's report, or ``None`` when its domain does not exist."""
    check = files_are_local(connection.uri)

    def read(conn: libvirt.virConnect) -> MachineReport | None:
        try:
            return describe(conn.lookupByName(domain_name(instance_id)), host_name, check)
        except libvirt.libvirtError as exc:
            if is_missing(exc):
                return None
            raise

    return await connection.call(f"read machine {instance_id}", read)
