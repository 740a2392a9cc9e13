"""cloudca networks as libvirt networks: a bridge whose address is the gateway, DHCP with static leases.

A network is defined the first time a NIC needs it, with the CIDR and gateway the control plane
chose, and its leases are exactly the NICs of cloudca's machines on it, so that a guest gets by
DHCP the address the API shows. A network without machines is left defined (deleting a network is
the control plane's decision: ``remove``).
"""

from __future__ import annotations

import functools
import logging
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

import libvirt

from cloudca.server.drivers.base import NicSpec

from ._connection import Connection, is_missing, remove
from ._xml import DhcpHost, NetworkConfig, bridge_name, dhcp_host_xml, network_name, network_xml

logger = logging.getLogger(__name__)

_LIVE_AND_CONFIG = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG


def _leases(network: libvirt.virNetwork) -> dict[str, DhcpHost]:
    root = ET.fromstring(network.XMLDesc(0))  # noqa: S314 - libvirt's own XML, not a user's
    return {
        element.get("mac", "").lower(): DhcpHost(element.get("mac", ""), element.get("ip", ""))
        for element in root.iterfind("./ip/dhcp/host")
    }


def _update(network: libvirt.virNetwork, command: int, host: DhcpHost) -> None:
    flags = _LIVE_AND_CONFIG if network.isActive() else libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
    network.update(command, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, dhcp_host_xml(host), flags)


class Networks:
    def __init__(self, connection: Connection, release_command: Sequence[str] = ("dhcp_release",)) -> None:
        self._connection = connection
        self._release_command = tuple(release_command)
        # Two tasks at once on a network that does not exist yet (two creates into a new tier) would
        # both define and start it, and the second start fails ("network is already active"). One
        # lock per network serialises this process's changes to it (they run on worker threads).
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _lock(self, network_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(network_id, threading.Lock())

    async def attach(self, nics: Iterable[NicSpec]) -> None:
        """Make each NIC's network exist and run, with a static lease for the NIC's MAC and IP."""
        for nic in nics:
            await self._connection.call(f"attach NIC {nic.nic_id}", functools.partial(self._attach, nic=nic))

    async def detach(self, nics: Iterable[NicSpec]) -> None:
        """Remove the NICs' leases (their networks stay). Leases already gone are fine."""
        for nic in nics:
            await self._connection.call(f"detach NIC {nic.nic_id}", functools.partial(self._detach, nic=nic))

    async def remove(self, network_id: str) -> None:
        """Stop and undefine the network. A network that does not exist is fine."""
        await self._connection.call(f"remove network {network_id}", lambda c: self._remove(c, network_id))

    async def exists(self, network_id: str) -> bool:
        def lookup(connection: libvirt.virConnect) -> bool:
            try:
                connection.networkLookupByName(network_name(network_id))
            except libvirt.libvirtError as exc:
                if is_missing(exc):
                    return False
                raise
            return True

        return await self._connection.call(f"look up network {network_id}", lookup)

    async def leases(self, network_id: str) -> dict[str, DhcpHost]:
        def read(connection: libvirt.virConnect) -> dict[str, DhcpHost]:
            try:
                return _leases(connection.networkLookupByName(network_name(network_id)))
            except libvirt.libvirtError as exc:
                if is_missing(exc):
                    return {}
                raise

        return await self._connection.call(f"read leases of network {network_id}", read)

    @staticmethod
    def _network(connection: libvirt.virConnect, nic: NicSpec) -> libvirt.virNetwork:
        try:
            network = connection.networkLookupByName(network_name(nic.network_id))
        except libvirt.libvirtError as exc:
            if not is_missing(exc):
                raise
            # Defined with the NIC's lease already in it: dnsmasq then starts with it, rather than
            # learning it from a reload that a guest's first DHCP requests can outrun.
            lease = DhcpHost(nic.mac_address, nic.ip_address)
            config = NetworkConfig(nic.network_id, nic.cidr, nic.gateway, hosts=(lease,))
            network = connection.networkDefineXML(network_xml(config))
        if not network.isActive():
            try:
                network.create()
            except libvirt.libvirtError:
                if not network.isActive():  # Started meanwhile by another process on this host: fine.
                    raise
        if not network.autostart():
            network.setAutostart(1)
        return network

    def _attach(self, connection: libvirt.virConnect, nic: NicSpec) -> None:
        with self._lock(nic.network_id):
            self._attach_locked(connection, nic)

    def _attach_locked(self, connection: libvirt.virConnect, nic: NicSpec) -> None:
        network = self._network(connection, nic)
        wanted = DhcpHost(nic.mac_address, nic.ip_address)
        leases = _leases(network)
        current = leases.get(nic.mac_address.lower())
        if current == wanted:
            return
        if current is not None:
            self._delete(network, nic.network_id, current)
        for lease in leases.values():
            if lease.ip_address == nic.ip_address and lease.mac_address.lower() != nic.mac_address.lower():
                self._delete(network, nic.network_id, lease)  # A stale lease.
        _update(network, libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, wanted)

    def _detach(self, connection: libvirt.virConnect, nic: NicSpec) -> None:
        with self._lock(nic.network_id):
            self._detach_locked(connection, nic)

    def _detach_locked(self, connection: libvirt.virConnect, nic: NicSpec) -> None:
        try:
            network = connection.networkLookupByName(network_name(nic.network_id))
        except libvirt.libvirtError as exc:
            if is_missing(exc):
                return
            raise
        current = _leases(network).get(nic.mac_address.lower())
        if current is not None:
            self._delete(network, nic.network_id, current)

    def _delete(self, network: libvirt.virNetwork, network_id: str, host: DhcpHost) -> None:
        """Remove a static lease and release what dnsmasq handed out under it.

        Removing the reservation is not enough: dnsmasq keeps the MAC's active lease (an hour by
        libvirt's default) and will not offer its address to another MAC meanwhile, so the next
        instance that cloudca's IPAM gives the address to would get no DHCP answer. ``dhcp_release``
        (Debian's dnsmasq-utils) ends the lease at once. It runs on this machine, next to dnsmasq;
        for a remote host (or without the tool) the lease only expires, which is logged.
        """
        _update(network, libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE, host)
        if not self._release_command or not network.isActive():
            return
        command = [*self._release_command, bridge_name(network_id), host.ip_address, host.mac_address]
        try:
            subprocess.run(command, capture_output=True, check=True, timeout=10)  # noqa: S603 - a configured tool; addresses cloudca chose
        except (OSError, subprocess.SubprocessError) as exc:
            logger.warning(
                "could not release the DHCP lease of %s (%s): %s; it expires on its own",
                host.ip_address,
                host.mac_address,
                exc,
            )

    def _remove(self, connection: libvirt.virConnect, network_id: str) -> None:
        with self._lock(network_id):
            self._remove_locked(connection, network_id)

    @staticmethod
    def _remove_locked(connection: libvirt.virConnect, network_id: str) -> None:
        remove(lambda: connection.networkLookupByName(network_name(network_id)))
