"""The QEMU guest agent: what reaches a running guest at once, without a reboot.

Every machine's definition has the agent's virtio serial channel (``org.qemu.guest_agent.0``); a
guest that runs ``qemu-ga`` on it answers libvirt's agent calls. A password goes over as its
SHA-512 crypt hash (``guest-set-user-password`` with ``crypted``: the guest runs ``chpasswd -e``),
never in clear. A guest without an agent (or whose agent does not answer in time) is not an
error: the seed already carries the new hash, so the guest gets it at its next boot, and the
caller says so.

libvirt's ``shutdown`` already prefers the agent when it answers (``guest-shutdown``) and falls
back to the ACPI power button otherwise, so a guest that ignores ACPI but runs an agent stops
cleanly too.
"""

from __future__ import annotations

import logging

import libvirt

from ._connection import Connection
from ._xml import domain_name

log = logging.getLogger("cloudca.drivers.libvirt")

#: Seconds libvirt waits for the agent's answer; its default would block for as long as the agent
#: keeps the call, which a hung guest could make forever.
AGENT_TIMEOUT = 15


async def set_password_now(
    connection: Connection, instance_id: str, username: str, password_hash: str
) -> bool:
    """Set the password in the running guest through its agent; ``False`` when it is not running or
    has no answering agent (the guest then takes it from the seed at its next boot)."""
    name = domain_name(instance_id)

    def call(conn: libvirt.virConnect) -> bool:
        domain = conn.lookupByName(name)
        if not domain.isActive():
            return False
        try:
            domain.agentSetResponseTimeout(AGENT_TIMEOUT, 0)
            domain.setUserPassword(username, password_hash, libvirt.VIR_DOMAIN_PASSWORD_ENCRYPTED)
        except libvirt.libvirtError as exc:
            # No agent, not yet started, or it failed: the next boot applies the seed's hash.
            log.info(
                "machine %s: the guest agent did not set the password (%s)",
                instance_id,
                exc.get_error_message(),
            )
            return False
        return True

    return await connection.call(f"set the password of machine {instance_id}", call)
