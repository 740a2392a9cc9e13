"""The libvirt driver: real guests under QEMU (KVM where usable, TCG otherwise), on real networks.

One libvirt connection is one host. Each machine is a persistent domain ``cloudca-<instance id>``
whose ``<metadata>`` holds cloudca's record of it (the spec, the password's hash), so the driver
keeps no state of its own. Root disks are qcow2 overlays of template images, data volumes are
qcow2 files that outlive machines, the NoCloud seed carries hostname, key, password and user data.
Networks are libvirt networks with static DHCP leases; public IPs' forwards are nftables DNAT rules.

LIMITATIONS:

- No live resize (``capabilities.live_resize`` is false): a resize changes the definition and the
  caller reboots; a reboot is a stop (agent or ACPI, then power off at the deadline) and a start.
  NICs and key change at next boot; disks live (_volumes.py); a password at once in a guest with
  qemu-guest-agent, else at next boot (_agent.py).
- Capacity is not enforced by the driver: a real host overcommits; the control plane's reservations
  are the guard. The host offers ``cpu_overcommit`` vCPUs per physical CPU (memory is never
  overcommitted); ``create`` refuses only a size larger than the whole host so offered.
- One host per connection. Snapshots are full copies (_volumes.py).
- Network ACLs are nftables rules on each network's bridge (_acl.py: IPv4 only, stateful); load
  balancers are layer-4 nftables DNAT (_balancer.py: ``leastconn``, cookie stickiness, ``tcp-proxy``
  and ``ssl`` are refused, as ``capabilities.balancing_refuses`` declares). Remote access VPNs are
  not served by this driver (``remote_access_vpn`` is false): the control plane only keeps them.
- Drift and the console: see _watching.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import libvirt

from cloudca.server.drivers import base
from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward

from ._balancer import UNSUPPORTED as BALANCING_REFUSES
from ._connection import is_missing
from ._domains import other_records, read_record
from ._filtering import NetworkRules
from ._firewall import Firewall
from ._networks import Networks
from ._power import power_on, shut_down, undefine
from ._records import MachineRecord, domain_config
from ._seed import Seed, hash_password, write_seed
from ._static_nat import static_nat_commands
from ._storage import Storage
from ._storage_ops import StorageOperations
from ._virt_type import probe_virt_type
from ._watching import Watching
from ._xml import domain_name, domain_xml

log = logging.getLogger("cloudca.drivers.libvirt")


class LibvirtDriver(Watching, StorageOperations, base.ComputeDriver):
    """Machines as libvirt domains; see the module docstring for its LIMITATIONS."""

    name = "libvirt"
    capabilities = base.Capabilities(
        live_resize=False,
        forwards_ports=True,
        real_guests=True,
        enforces_network_acls=True,
        balances_load=True,
        balancing_refuses=BALANCING_REFUSES,
        serial_console=True,
    )

    def __init__(
        self,
        *,
        uri: str,
        zone_name: str,
        state_dir: Path,
        host_memory_mb: int = 0,
        image_dir: Path,
        default_image: str = "",
        virt_type: str = "auto",
        host_name: str = "",
        shutdown_timeout: float = 30.0,
        tb_cache_mb: int = 64,
        nft_command: Sequence[str] = ("nft",),
        cpu_overcommit: float = 1.0,
        dhcp_release_command: Sequence[str] = ("dhcp_release",),
    ) -> None:
        self._connection = self._connect(uri)
        self._networks = Networks(self._connection, dhcp_release_command)
        self._firewall = Firewall(nft_command)
        self._storage = Storage(state_dir, image_dir, default_image)
        self._requested_virt_type = virt_type
        self._virt_type = ""
        self._zone_name = zone_name
        self._host_name = host_name
        # What guests may use; 0: all the host's memory as libvirt reports it.
        self._host_memory_mb = host_memory_mb
        self._shutdown_timeout = shutdown_timeout
        self._cpu_overcommit = cpu_overcommit
        self._tb_cache_mb = tb_cache_mb
        self._host: base.HostInfo | None = None
        # One operation at a time per machine: libvirt serialises calls, not our read-modify-writes.
        self._locks: dict[str, asyncio.Lock] = {}
        self._rules = NetworkRules(self._firewall)

    @property
    def virt_type(self) -> str:
        return self._virt_type

    def _lock(self, instance_id: str) -> asyncio.Lock:
        return self._locks.setdefault(instance_id, asyncio.Lock())

    # -- Host ---------------------------------------------------------------------------------------

    async def hosts(self) -> Sequence[base.HostInfo]:
        if self._host is None:
            info, hostname, kind = await self._connection.call(
                "read the host", lambda c: (c.getInfo(), c.getHostname(), c.getType())
            )
            self._virt_type = probe_virt_type(self._requested_virt_type, kind)
            await asyncio.to_thread(self._storage.prepare)
            log.info(
                "libvirt %s: host %s, guests run under %s", self._connection.uri, hostname, self._virt_type
            )
            memory_mb = self._host_memory_mb or int(info[1])
            cpu_count = max(1, int(int(info[2]) * self._cpu_overcommit))
            self._host = base.HostInfo(self._host_name or hostname, self._zone_name, cpu_count, memory_mb)
        return (self._host,)

    async def _check_host(self, host_name: str) -> base.HostInfo:
        host = (await self.hosts())[0]
        if host_name != host.name:
            raise base.DriverError(f"this libvirt driver offers host {host.name}, not {host_name}")
        return host

    # -- Records ------------------------------------------------------------------------------------

    async def _record(self, instance_id: str) -> MachineRecord | None:
        return await read_record(self._connection, instance_id)

    async def _required(self, instance_id: str) -> MachineRecord:
        record = await self._record(instance_id)
        if record is None:
            raise base.MachineNotFoundError(f"no machine {instance_id}")
        return record

    async def _check_unique(self, record: MachineRecord) -> None:
        spec = record.spec
        for other in await other_records(self._connection, spec.instance_id):
            for nic in spec.nics:
                for theirs in other.spec.nics:
                    if nic.mac_address.lower() == theirs.mac_address.lower():
                        raise base.DriverError(f"MAC {nic.mac_address} is used by {other.spec.instance_id}")
                    if nic.network_id == theirs.network_id and nic.ip_address == theirs.ip_address:
                        raise base.DriverError(f"IP {nic.ip_address} is used by {other.spec.instance_id}")
            volumes = {disk.volume_id for disk in other.spec.disks}
            for disk in spec.disks:
                if disk.volume_id in volumes:
                    raise base.DriverError(f"volume {disk.volume_id} is attached to {other.spec.instance_id}")

    async def _define(self, record: MachineRecord) -> None:
        """(Re)define the domain from ``record``: seed, volumes and definition follow the record."""
        spec = record.spec
        root = next((disk for disk in spec.disks if disk.is_root), None)
        image = self._storage.image(root.image_location if root else "")
        directory = await self._storage.make_machine_dir(spec.instance_id)
        if root is not None:
            await self._storage.make_root_disk(directory / "root.qcow2", image, root.size_gb)
        volumes = {
            disk.volume_id: await self._storage.ensure_volume(disk.volume_id, disk.size_gb)
            for disk in spec.disks
            if not disk.is_root
        }
        seed = Seed(
            instance_id=spec.instance_id,
            hostname=spec.hostname,
            username=spec.username,
            user_data=spec.user_data,
            ssh_public_key=spec.ssh_public_key,
            password_hash=record.password_hash,
            mac_addresses=tuple(nic.mac_address for nic in spec.nics),
        )
        await write_seed(directory / "seed.iso", seed)
        await self._networks.attach(spec.nics)
        config = domain_config(
            record,
            image=image,
            machine_dir=directory,
            volume_paths=volumes,
            virt_type=self._virt_type,
            tb_cache_mb=self._tb_cache_mb,
        )
        xml = domain_xml(config)
        await self._connection.call(f"define machine {spec.instance_id}", lambda c: c.defineXML(xml))

    # -- Lifecycle ----------------------------------------------------------------------------------

    async def adopt(self, machines: Sequence[base.KnownMachine]) -> None:
        await self.hosts()
        for known in machines:
            if await self._record(known.instance_id) is None:
                log.warning("instance %s is known to cloudca but has no libvirt domain", known.instance_id)

    async def create(self, spec: base.MachineSpec) -> None:
        host = await self._check_host(spec.host_name)
        if spec.cpu_count > host.cpu_count or spec.memory_mb > host.memory_mb:
            raise base.NoCapacityError(
                f"{spec.cpu_count} CPUs and {spec.memory_mb} MB exceed host {host.name}"
            )
        async with self._lock(spec.instance_id):
            existing = await self._record(spec.instance_id)
            password_hash = await asyncio.to_thread(hash_password, spec.password) if spec.password else None
            if existing is not None:
                if existing.spec != replace(spec, password=None):
                    raise base.DriverError(
                        f"instance {spec.instance_id} already exists with a different spec"
                    )
                if password_hash is not None:  # A retried task may have drawn a new password.
                    await self._define(replace(existing, password_hash=password_hash))
                return
            record = MachineRecord(spec=replace(spec, password=None), password_hash=password_hash)
            await self._check_unique(record)
            try:
                await self._define(record)
            except BaseException:
                await self._remove(record)
                raise

    async def _remove(self, record: MachineRecord) -> None:
        """Undo everything a machine has: domain, leases, machine directory. Safe on partial machines."""
        instance_id = record.spec.instance_id
        await undefine(self._connection, instance_id)
        await self._networks.detach(record.spec.nics)
        await self._storage.remove_machine_dir(instance_id)

    async def start(self, instance_id: str) -> None:
        async with self._lock(instance_id):
            await self._start(instance_id)

    async def _start(self, instance_id: str) -> None:
        await self._required(instance_id)
        await power_on(self._connection, instance_id)

    async def stop(self, instance_id: str) -> None:
        async with self._lock(instance_id):
            await self._stop(instance_id)

    async def _stop(self, instance_id: str) -> None:
        await self._required(instance_id)
        await shut_down(self._connection, instance_id, self._shutdown_timeout)

    async def reboot(self, instance_id: str) -> None:
        # A stop and a start, not a guest reset: a new definition (size, NICs, disks) applies.
        async with self._lock(instance_id):
            await self._stop(instance_id)
            await self._start(instance_id)

    async def destroy(self, instance_id: str) -> None:
        async with self._lock(instance_id):
            record = await self._record(instance_id)
            if record is not None:
                await self._remove(record)
        self._locks.pop(instance_id, None)

    async def power_state(self, instance_id: str) -> base.PowerState | None:
        def read(connection: libvirt.virConnect) -> bool | None:
            try:
                return bool(connection.lookupByName(domain_name(instance_id)).isActive())
            except libvirt.libvirtError as exc:
                if is_missing(exc):
                    return None
                raise

        active = await self._connection.call(f"read machine {instance_id}", read)
        if active is None:
            return None
        return base.PowerState.RUNNING if active else base.PowerState.STOPPED

    # -- Definition changes (applied at next boot) ---------------------------------------------------

    async def _change(
        self, instance_id: str, record_change: dict[str, object], password_hash: str | None = None
    ) -> None:
        async with self._lock(instance_id):
            record = await self._required(instance_id)
            changed = record.with_spec(**record_change)
            if password_hash is not None:
                changed = replace(changed, password_hash=password_hash)
            if "nics" in record_change or "disks" in record_change:
                await self._check_unique(changed)
            if "disks" in record_change:  # A running guest sees its disks change now.
                await self._volumes.apply(instance_id, record.spec.disks, changed.spec.disks)
            await self._define(changed)
            if "nics" in record_change:
                wanted = {nic.mac_address.lower() for nic in changed.spec.nics}
                await self._networks.detach(
                    [nic for nic in record.spec.nics if nic.mac_address.lower() not in wanted]
                )

    async def resize(self, instance_id: str, cpu_count: int, memory_mb: int) -> None:
        host = (await self.hosts())[0]
        if cpu_count < 1 or memory_mb < 1:
            raise base.DriverError(
                f"instance {instance_id}: {cpu_count} CPUs and {memory_mb} MB is not a size"
            )
        if cpu_count > host.cpu_count or memory_mb > host.memory_mb:
            raise base.NoCapacityError(f"{cpu_count} CPUs and {memory_mb} MB exceed host {host.name}")
        await self._change(instance_id, {"cpu_count": cpu_count, "memory_mb": memory_mb})

    async def set_ssh_key(self, instance_id: str, username: str, public_key: str) -> None:
        await self._change(instance_id, {"username": username, "ssh_public_key": public_key})

    async def set_nics(self, instance_id: str, nics: Sequence[base.NicSpec]) -> None:
        await self._change(instance_id, {"nics": tuple(nics)})

    # -- Public IPs ---------------------------------------------------------------------------------

    async def set_port_forwarding(self, public_ip: str, rules: Sequence[PortForward]) -> None:
        await self._firewall.set_forwards(public_ip, rules)

    async def set_static_nat(self, public_ip: str, private_ip: str | None) -> None:
        await self._firewall.change(lambda table: static_nat_commands(table, public_ip, private_ip))

    async def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        await self._rules.set_network_acl(network_id, cidr, rules)

    async def set_load_balancing(self, public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
        await self._rules.set_load_balancing(public_ip, balancers)

    def network_acl(self, network_id: str) -> tuple[AclRule, ...] | None:
        """The ACL rules last applied to a network (``None``: no filtering)."""
        return self._rules.network_acl(network_id)

    def load_balancers(self, public_ip: str) -> tuple[LoadBalancer, ...]:
        """The load balancers last applied to a public IP."""
        return self._rules.load_balancers(public_ip)

    async def port_forwards(self) -> dict[str, tuple[PortForward, ...]]:
        """The forwards of every public IP as the kernel has them (for tests and checks)."""
        return await self._firewall.forwards()


__all__ = ["LibvirtDriver", "probe_virt_type"]
