"""The simulator driver: an in-memory hypervisor that keeps the books a real one would.

What it keeps and its LIMITATIONS are in the package's docstring (``cloudca.server.drivers.simulator``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from cloudca.server.drivers import base
from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward

from ._capacity import check_could_ever_fit, check_username, host_names, reserve
from ._console import SimulatedConsole
from ._faults import FaultPlan, Faults
from ._inspection import Inspection
from ._latency import Latency, LatencyProfile, Sleep
from ._state import SimulatedHost, SimulatedMachine, password_digest
from ._validation import (
    check_acl_rules,
    check_adoption,
    check_disks,
    check_load_balancers,
    check_nics,
    check_port_forwards,
    check_size,
)
from ._volumes import SimulatedStorage, SimulatedVolumes

Rule = TypeVar("Rule", PortForward, LoadBalancer)


class SimulatorDriver(SimulatedStorage, Inspection, base.ComputeDriver):
    """An in-memory compute driver; see the package docstring for its LIMITATIONS."""

    name = "simulator"
    capabilities = base.Capabilities(simulated_console=True)  # instant: set per instance, by its latency

    def __init__(
        self,
        *,
        zones: Sequence[str] = ("QC-1",),
        hosts_per_zone: int = 4,
        host_cpus: int = 64,
        host_memory_mb: int = 262144,
        latency: LatencyProfile = LatencyProfile.INSTANT,
        fault_plan: FaultPlan | None = None,
        seed: int | None = None,
        sleep: Sleep | None = None,
        shared: bool = False,
    ) -> None:
        """Offer ``hosts_per_zone`` hosts of ``host_cpus``/``host_memory_mb`` in each zone.

        ``seed`` makes latencies and probabilistic faults reproducible; ``sleep`` replaces
        ``asyncio.sleep`` for ``realistic`` delays (tests pass a recorder or a fake clock).
        ``shared``: several server processes drive the same simulated hosts (PostgreSQL
        deployments), each with its own simulator, so no simulator sees every machine: the checks
        that compare a machine with the others (MAC, IP and volume uniqueness, free host capacity)
        are then left to the database's constraints and reservations, which do see everything.
        """
        if not zones:
            raise ValueError("the simulator needs at least one zone")
        if hosts_per_zone < 1 or host_cpus < 1 or host_memory_mb < 1:
            raise ValueError("hosts_per_zone, host_cpus and host_memory_mb must be positive")
        rng = random.Random(seed)
        self._latency = Latency(latency, rng, sleep)
        self.capabilities = replace(type(self).capabilities, instant=latency is LatencyProfile.INSTANT)
        self._faults = Faults(fault_plan or FaultPlan(), rng)
        self._hosts: dict[str, SimulatedHost] = {}
        for zone_name in zones:
            for host_name in host_names(zone_name, hosts_per_zone):
                if host_name in self._hosts:
                    raise ValueError(f"zones {list(zones)} give the host name {host_name} twice")
                info = base.HostInfo(host_name, zone_name, host_cpus, host_memory_mb)
                self._hosts[host_name] = SimulatedHost(info)
        self._machines: dict[str, SimulatedMachine] = {}
        self._volumes = SimulatedVolumes(lambda: self._machines.values())
        self._port_forwards: dict[str, tuple[PortForward, ...]] = {}
        self._static_nat: dict[str, str] = {}
        # Keyed by network id and public address: each call carries a whole table, so these books
        # are complete in each process even with ``shared`` (no cross-machine comparison is made).
        self._network_acls: dict[str, tuple[AclRule, ...]] = {}
        self._load_balancers: dict[str, tuple[LoadBalancer, ...]] = {}
        self._closed = False
        self._shared = shared
        self._notify: Callable[[str], None] | None = None

    @property
    def latency_profile(self) -> LatencyProfile:
        return self._latency.profile

    # -- Test and debugging surface (not part of ComputeDriver) ------------------------------------

    def inject_fault(
        self,
        operation: str,
        count: int = 1,
        error: type[base.DriverError] | base.DriverError = base.DriverError,
    ) -> None:
        """Make the next ``count`` calls of ``operation`` (e.g. ``"create"``) raise ``error``.

        The failing call changes nothing, as the interface promises for every failure.
        """
        self._faults.inject(operation, count, error)

    def power_off_from_inside(self, instance_id: str) -> None:
        """The guest powers itself off (drift): the machine stops and ``watch`` is told."""
        self._power_off(self._machine(instance_id))
        if self._notify is not None:
            self._notify(instance_id)

    def silence_host(self, host_name: str, silent: bool = True) -> None:
        """The host stops answering (``silent``) or answers again. While silent, every operation and
        query on its machines fails with ``DriverError``, nothing can be created there, and
        ``unreachable_hosts`` names it; ``watch`` is told about each of its machines either way."""
        self._hosts[host_name].answering = not silent
        for machine in list(self._machines.values()):
            if machine.host_name == host_name and self._notify is not None:
                self._notify(machine.instance_id)

    # -- ComputeDriver ------------------------------------------------------------------------------

    async def hosts(self) -> Sequence[base.HostInfo]:
        self._check_open()
        return tuple(host.info for host in self._hosts.values())

    async def adopt(self, machines: Sequence[base.KnownMachine]) -> None:
        await self._begin("adopt", "the known machines")
        check_adoption(machines, set(self._hosts), {key: m.host_name for key, m in self._machines.items()})
        # Checked everything first so that a refused adoption changes nothing.
        for known in machines:
            if known.instance_id in self._machines:
                continue  # The simulator already has it: its own books are the truth.
            machine = SimulatedMachine(
                instance_id=known.instance_id,
                host_name=known.host_name,
                power_state=base.PowerState.STOPPED,
                cpu_count=known.cpu_count,
                memory_mb=known.memory_mb,
                adopted=True,
                details_known=False,
            )
            if known.power_state is base.PowerState.RUNNING:
                # Not checked against free capacity: it already runs, the control plane says so.
                self._hosts[known.host_name].reserve(known.cpu_count, known.memory_mb)
                machine.boot()
            self._machines[known.instance_id] = machine

    async def create(self, spec: base.MachineSpec) -> None:
        await self._begin("create", spec.instance_id)
        existing = self._machines.get(spec.instance_id)
        if existing is not None and existing.created_from is not None:
            if existing.created_from != replace(spec, password=None):
                raise base.DriverError(f"instance {spec.instance_id} already exists with a different spec")
            # A retried task may have drawn a new password; like a redefined config drive, it wins.
            if spec.password is not None:
                existing.password_sha256 = password_digest(spec.password)
            return
        host = self._host_for(spec)
        if existing is not None and existing.host_name != spec.host_name:
            raise base.DriverError(
                f"instance {spec.instance_id} already exists on host {existing.host_name}, "
                f"not {spec.host_name}"
            )
        check_size(spec.instance_id, spec.cpu_count, spec.memory_mb)
        check_could_ever_fit(host, spec.instance_id, spec.cpu_count, spec.memory_mb)
        others = self._others(spec.instance_id)
        check_nics(spec.instance_id, spec.nics, others)
        check_disks(spec.instance_id, spec.disks, (), others)
        if existing is not None and existing.power_state is base.PowerState.RUNNING:
            # An adopted machine that runs: its usage follows the size the retried create brings.
            reserve(
                host,
                spec.instance_id,
                spec.cpu_count - existing.cpu_count,
                spec.memory_mb - existing.memory_mb,
                shared=self._shared,
            )
        # Nothing below can fail: the machine appears whole or not at all.
        digest = password_digest(spec.password) if spec.password is not None else None
        machine = existing or SimulatedMachine(
            instance_id=spec.instance_id,
            host_name=spec.host_name,
            power_state=base.PowerState.STOPPED,
            cpu_count=spec.cpu_count,
            memory_mb=spec.memory_mb,
        )
        machine.created_from = replace(spec, password=None)
        machine.cpu_count, machine.memory_mb = spec.cpu_count, spec.memory_mb
        machine.nics, machine.disks = spec.nics, spec.disks
        machine.user_data, machine.username = spec.user_data, spec.username
        machine.password_sha256, machine.ssh_public_key = digest, spec.ssh_public_key
        machine.details_known = True
        self._machines[spec.instance_id] = machine

    async def start(self, instance_id: str) -> None:
        await self._begin("start", instance_id)
        machine = self._machine(instance_id)
        if machine.power_state is not base.PowerState.RUNNING:
            self._power_on(machine)

    async def stop(self, instance_id: str) -> None:
        await self._begin("stop", instance_id)
        machine = self._machine(instance_id)
        if machine.power_state is base.PowerState.RUNNING:
            self._power_off(machine)

    async def reboot(self, instance_id: str) -> None:
        await self._begin("reboot", instance_id)
        machine = self._machine(instance_id)
        if machine.power_state is base.PowerState.RUNNING:
            machine.boot()  # Keeps its CPU and memory; boots with its current definition.
        else:
            self._power_on(machine)

    async def destroy(self, instance_id: str) -> None:
        await self._begin("destroy", instance_id)
        machine = self._machines.get(instance_id)
        if machine is None:
            return
        if machine.power_state is base.PowerState.RUNNING:
            self._power_off(machine)
        del self._machines[instance_id]
        self._volumes.detach_all(machine.disks)

    async def power_state(self, instance_id: str) -> base.PowerState | None:
        self._check_open()
        machine = self._machines.get(instance_id)
        return self._answering(machine).power_state if machine is not None else None

    def unreachable_hosts(self) -> frozenset[str]:
        return frozenset(name for name, host in self._hosts.items() if not host.answering)

    async def resize(self, instance_id: str, cpu_count: int, memory_mb: int) -> None:
        await self._begin("resize", instance_id)
        machine = self._machine(instance_id)
        check_size(instance_id, cpu_count, memory_mb)
        host = self._hosts[machine.host_name]
        check_could_ever_fit(host, instance_id, cpu_count, memory_mb)
        if machine.power_state is base.PowerState.RUNNING:
            reserve(
                host,
                instance_id,
                cpu_count - machine.cpu_count,
                memory_mb - machine.memory_mb,
                shared=self._shared,
            )
        machine.cpu_count, machine.memory_mb = cpu_count, memory_mb

    async def set_password(self, instance_id: str, username: str, password: str) -> base.PasswordApplied:
        await self._begin("set_password", instance_id)
        machine = self._machine(instance_id)
        check_username(machine, username)
        machine.username, machine.password_sha256 = username, password_digest(password)
        return base.PasswordApplied.NOW  # No guest to wait for: the record is the machine.

    async def set_ssh_key(self, instance_id: str, username: str, public_key: str) -> None:
        await self._begin("set_ssh_key", instance_id)
        machine = self._machine(instance_id)
        check_username(machine, username)
        machine.username, machine.ssh_public_key = username, public_key

    async def set_nics(self, instance_id: str, nics: Sequence[base.NicSpec]) -> None:
        await self._begin("set_nics", instance_id)
        machine = self._machine(instance_id)
        check_nics(instance_id, nics, self._others(instance_id))
        machine.nics = tuple(nics)

    async def set_disks(self, instance_id: str, disks: Sequence[base.DiskSpec]) -> None:
        await self._begin("set_disks", instance_id)
        machine = self._machine(instance_id)
        check_disks(instance_id, disks, machine.disks, self._others(instance_id))
        machine.disks = self._volumes.attached(machine.disks, disks)

    async def set_port_forwarding(self, public_ip: str, rules: Sequence[PortForward]) -> None:
        await self._begin("set_port_forwarding", public_ip)
        check_port_forwards(public_ip, rules)
        _keep(self._port_forwards, public_ip, rules)

    async def set_static_nat(self, public_ip: str, private_ip: str | None) -> None:
        await self._begin("set_static_nat", public_ip)
        if private_ip is None:
            self._static_nat.pop(public_ip, None)
        else:
            self._static_nat[public_ip] = private_ip

    async def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        await self._begin("set_network_acl", network_id)
        if rules is None:
            self._network_acls.pop(network_id, None)
            return
        check_acl_rules(network_id, cidr, rules)
        self._network_acls[network_id] = tuple(sorted(rules, key=lambda rule: rule.rule_number))

    async def set_load_balancing(self, public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
        await self._begin("set_load_balancing", public_ip)
        check_load_balancers(public_ip, balancers)
        _keep(self._load_balancers, public_ip, balancers)

    def watch(self, notify: Callable[[str], None]) -> None:
        self._notify = notify

    async def open_console(self, instance_id: str) -> base.ConsoleStream:
        self._check_open()
        machine = self._machine(instance_id)
        if machine.power_state is not base.PowerState.RUNNING:
            raise base.DriverError(f"instance {instance_id} is not running: its console is not there")
        spec = machine.created_from
        return SimulatedConsole(spec.hostname if spec is not None else instance_id)

    async def close(self) -> None:
        self._closed = True

    # -- Internals ----------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise base.DriverError("the simulator driver is closed")

    async def _begin(self, operation: str, subject: str) -> None:
        """Take the operation's time, then fail if a fault is due. Callers mutate only after this."""
        self._check_open()
        fault = self._faults.take(operation, subject)
        await self._latency.wait(operation)
        self._check_open()
        if fault is not None:
            raise fault

    def _machine(self, instance_id: str) -> SimulatedMachine:
        machine = self._machines.get(instance_id)
        if machine is None:
            raise base.MachineNotFoundError(f"the simulator has no machine for instance {instance_id}")
        return self._answering(machine)

    def _answering(self, machine: SimulatedMachine) -> SimulatedMachine:
        if not self._hosts[machine.host_name].answering:
            raise base.DriverError(f"host {machine.host_name} does not answer")
        return machine

    def _others(self, instance_id: str) -> list[SimulatedMachine]:
        if self._shared:
            return []  # this process's books are partial; the database checks uniqueness
        return [machine for key, machine in self._machines.items() if key != instance_id]

    def _host_for(self, spec: base.MachineSpec) -> SimulatedHost:
        host = self._hosts.get(spec.host_name)
        if host is None:
            raise base.DriverError(f"instance {spec.instance_id}: the simulator has no host {spec.host_name}")
        if host.info.zone_name != spec.zone_name:
            raise base.DriverError(
                f"instance {spec.instance_id}: host {spec.host_name} is in zone {host.info.zone_name}, "
                f"not {spec.zone_name}"
            )
        if not host.answering:
            raise base.DriverError(f"host {spec.host_name} does not answer")
        return host

    def _power_on(self, machine: SimulatedMachine) -> None:
        """Boot a stopped machine, taking its size from its host (``NoCapacityError`` changes nothing)."""
        host = self._hosts[machine.host_name]
        reserve(host, machine.instance_id, machine.cpu_count, machine.memory_mb, shared=self._shared)
        machine.boot()

    def _power_off(self, machine: SimulatedMachine) -> None:
        """Halt a running machine, giving its size back to its host."""
        self._hosts[machine.host_name].release(machine.cpu_count, machine.memory_mb)
        machine.halt()


def _keep(table: dict[str, tuple[Rule, ...]], public_ip: str, rules: Sequence[Rule]) -> None:
    """``public_ip``'s rules are ``rules`` now; with none, the address has no entry at all."""
    if rules:
        table[public_ip] = tuple(rules)
    else:
        table.pop(public_ip, None)
