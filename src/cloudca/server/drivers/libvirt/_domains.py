"""cloudca's records of its machines, read back from the ``<metadata>`` of their libvirt domains.

The domain is the only place the driver keeps a machine's record, so any process (or a restarted
one) reads the same truth from libvirt.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import libvirt

from ._connection import Connection, is_missing
from ._records import MachineRecord
from ._xml import METADATA_NAMESPACE, PREFIX, domain_name


def _metadata(domain: libvirt.virDomain) -> str:
    return str(
        domain.metadata(
            libvirt.VIR_DOMAIN_METADATA_ELEMENT, METADATA_NAMESPACE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
        )
    )


def _parse(text: str) -> MachineRecord:
    # libvirt's own XML around a record cloudca wrote.
    return MachineRecord.parse(ET.fromstring(text).text or "")  # noqa: S314


async def read_record(connection: Connection, instance_id: str) -> MachineRecord | None:
    """The record of ``instance_id``'s domain, or ``None`` when there is no such domain."""

    def read(conn: libvirt.virConnect) -> str | None:
        try:
            domain = conn.lookupByName(domain_name(instance_id))
        except libvirt.libvirtError as exc:
            if is_missing(exc):
                return None
            raise
        return _metadata(domain)

    text = await connection.call(f"read machine {instance_id}", read)
    return None if text is None else _parse(text)


async def other_records(connection: Connection, instance_id: str) -> list[MachineRecord]:
    """The records of every cloudca domain but ``instance_id``'s."""

    def read(conn: libvirt.virConnect) -> list[str]:
        own = domain_name(instance_id)
        return [
            _metadata(domain)
            for domain in conn.listAllDomains(0)
            # Transient domains are not cloudca's definitions (another libvirtd's guests that this
            # one adopted from the shared run directory): they have no persistent record.
            if domain.name().startswith(PREFIX) and domain.name() != own and domain.isPersistent()
        ]

    return [_parse(text) for text in await connection.call("list machines", read)]


async def volume_user(connection: Connection, volume_id: str) -> tuple[MachineRecord, bool] | None:
    """The machine whose record has the volume among its disks, and whether it runs; ``None``: the
    volume is detached."""

    def read(conn: libvirt.virConnect) -> list[tuple[str, bool]]:
        return [
            (_metadata(domain), bool(domain.isActive()))
            for domain in conn.listAllDomains(0)
            if domain.name().startswith(PREFIX)
        ]

    for text, active in await connection.call("list machines", read):
        record = _parse(text)
        if any(disk.volume_id == volume_id for disk in record.spec.disks):
            return record, active
    return None
