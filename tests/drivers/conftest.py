"""Fixtures of the driver contract suite: every available driver, and a probe to observe it.

The suite runs once per entry of ``DRIVERS``: the simulator in both its modes (alone, as on
SQLite, and ``shared``, as each process of a PostgreSQL deployment runs it: its books hold only
the machines it has seen, so it makes no comparison with other machines), and the libvirt driver
over libvirt's ``test:///default`` URI (no hypervisor needed; its nftables rules go to a network
namespace the suite makes). Real guests are the e2e tests' (tests/e2e/test_libvirt_guests.py).

What the interface cannot show (NICs, disks, a password, host usage, failure injection) is read
through a ``DriverProbe``. A driver whose backend cannot show something leaves that method to the
base class, which skips the test with the reason instead of passing it silently.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest

from cloudca.server.drivers.base import ComputeDriver, DiskSpec, DriverError, HostInfo, MachineSpec, NicSpec
from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward
from cloudca.server.drivers.simulator import SimulatorDriver
from tests import libvirt_support
from tests.libvirt_support import LibvirtDriver, libvirt_backend  # noqa: F401 - a fixture

HOST_CPUS = 8
HOST_MEMORY_MB = 16384


class DriverProbe:
    """Observes what a driver's backend did, beyond the interface."""

    def __init__(self, driver: ComputeDriver) -> None:
        self.driver = driver

    def _unobservable(self, what: str) -> Any:
        pytest.skip(f"the {self.driver.name} driver does not expose {what}")

    def host_usage(self, host_name: str) -> tuple[int, int]:
        """CPUs and memory (MB) that the backend counts as used on the host."""
        return self._unobservable("host usage")

    def size(self, instance_id: str) -> tuple[int, int]:
        """The machine's defined CPU count and memory (MB)."""
        return self._unobservable("machine sizes")

    def nics(self, instance_id: str) -> tuple[NicSpec, ...]:
        return self._unobservable("NICs")

    def disks(self, instance_id: str) -> tuple[DiskSpec, ...]:
        return self._unobservable("disks")

    def password_matches(self, instance_id: str, password: str) -> bool:
        return self._unobservable("passwords")

    def ssh_key(self, instance_id: str) -> str | None:
        return self._unobservable("SSH keys")

    def boot_count(self, instance_id: str) -> int:
        """How many times the machine was powered on."""
        return self._unobservable("boot counts")

    def port_forwards(self, public_ip: str) -> tuple[PortForward, ...]:
        return self._unobservable("port forwarding rules")

    def static_nat(self, public_ip: str) -> str | None:
        """The private IP the backend sends ``public_ip``'s traffic to (``None``: none)."""
        return self._unobservable("static NAT")

    def network_acl(self, network_id: str) -> tuple[AclRule, ...] | None:
        """The ACL rules the backend applies to the network, in evaluation order (``None``: no filtering)."""
        return self._unobservable("network ACLs")

    def load_balancers(self, public_ip: str) -> tuple[LoadBalancer, ...]:
        return self._unobservable("load balancers")

    def snapshot(self, instance_id: str) -> object:
        """Everything observable about the machine, comparable with ``==``."""
        return self._unobservable("machine snapshots")

    def fail_next(self, operation: str) -> None:
        """Make the next call of ``operation`` fail with ``DriverError``."""
        self._unobservable("fault injection")

    def sees_every_machine(self) -> None:
        """For tests of refusals that need every machine of the host in view (a MAC, an IP or a
        volume another machine uses): the base passes; a driver that cannot see them skips."""

    def usage_or_none(self, host_name: str) -> tuple[int, int] | None:
        """``host_usage``, or ``None`` where the backend does not expose it."""
        try:
            return self.host_usage(host_name)
        except pytest.skip.Exception:
            return None


class SimulatorProbe(DriverProbe):
    driver: SimulatorDriver

    def host_usage(self, host_name: str) -> tuple[int, int]:
        return self.driver.host_usage(host_name)

    def _view(self, instance_id: str) -> Any:
        view = self.driver.machine(instance_id)
        assert view is not None, f"the simulator has no machine {instance_id}"
        return view

    def size(self, instance_id: str) -> tuple[int, int]:
        view = self._view(instance_id)
        return view.cpu_count, view.memory_mb

    def nics(self, instance_id: str) -> tuple[NicSpec, ...]:
        return self._view(instance_id).nics

    def disks(self, instance_id: str) -> tuple[DiskSpec, ...]:
        return self._view(instance_id).disks

    def password_matches(self, instance_id: str, password: str) -> bool:
        return self._view(instance_id).password_matches(password)

    def ssh_key(self, instance_id: str) -> str | None:
        return self._view(instance_id).ssh_public_key

    def boot_count(self, instance_id: str) -> int:
        return self._view(instance_id).boot_count

    def port_forwards(self, public_ip: str) -> tuple[PortForward, ...]:
        return self.driver.port_forwards(public_ip)

    def network_acl(self, network_id: str) -> tuple[AclRule, ...] | None:
        return self.driver.network_acl(network_id)

    def static_nat(self, public_ip: str) -> str | None:
        return self.driver.static_nat(public_ip)

    def load_balancers(self, public_ip: str) -> tuple[LoadBalancer, ...]:
        return self.driver.load_balancers(public_ip)

    def snapshot(self, instance_id: str) -> object:
        return self.driver.machine(instance_id)

    def fail_next(self, operation: str) -> None:
        self.driver.inject_fault(operation, error=DriverError)


class SharedSimulatorProbe(SimulatorProbe):
    def sees_every_machine(self) -> None:
        pytest.skip("the shared simulator (PostgreSQL mode) sees only its own process's machines")


class LibvirtProbe(DriverProbe):
    """Reads the domains' definitions (cloudca's record in them) and the nftables table."""

    driver: LibvirtDriver

    def _record(self, instance_id: str) -> Any:
        return libvirt_support.record(instance_id)

    def size(self, instance_id: str) -> tuple[int, int]:
        spec = self._record(instance_id).spec
        return spec.cpu_count, spec.memory_mb

    def nics(self, instance_id: str) -> tuple[NicSpec, ...]:
        return self._record(instance_id).spec.nics

    def disks(self, instance_id: str) -> tuple[DiskSpec, ...]:
        return self._record(instance_id).spec.disks

    def password_matches(self, instance_id: str, password: str) -> bool:
        return libvirt_support.crypt_matches(self._record(instance_id).password_hash, password)

    def ssh_key(self, instance_id: str) -> str | None:
        return self._record(instance_id).spec.ssh_public_key

    def port_forwards(self, public_ip: str) -> tuple[PortForward, ...]:
        return libvirt_support.forwards(public_ip)

    def static_nat(self, public_ip: str) -> str | None:
        return libvirt_support.static_nat(public_ip)

    def snapshot(self, instance_id: str) -> object:
        return libvirt_support.snapshot(instance_id)

    def network_acl(self, network_id: str) -> Any:
        # The driver's copy of the rules, once the kernel is seen applying exactly those, in order
        # (ingress then egress, each by rule number).
        rules = self.driver.network_acl(network_id)
        applied = libvirt_support.acl_rule_ids(network_id)
        if rules is None:
            assert applied is None
        else:
            ordered = sorted(rules, key=lambda rule: (rule.traffic_type != "ingress", rule.rule_number))
            assert applied == tuple(rule.rule_id for rule in ordered)
        return rules

    def load_balancers(self, public_ip: str) -> Any:
        # As for ACLs: the copy, once the kernel is seen balancing over exactly its backends.
        balancers = self.driver.load_balancers(public_ip)
        expected = {balancer.rule_id: balancer.backends for balancer in balancers}
        assert libvirt_support.balancer_backends(public_ip) == expected
        return balancers


def _simulator(*, shared: bool = False) -> SimulatorDriver:
    return SimulatorDriver(
        zones=("QC-1", "ON-1"),
        hosts_per_zone=2,
        host_cpus=HOST_CPUS,
        host_memory_mb=HOST_MEMORY_MB,
        seed=0,
        shared=shared,
    )


#: name -> (a new driver over a fresh backend, a new driver over the same backend, its probe class).
#: The simulator's backend is its memory, so "the same backend after a restart" is an empty one.
_DRIVERS: dict[str, tuple[Callable[[], ComputeDriver], Callable[[ComputeDriver], ComputeDriver], type]] = {
    "simulator": (_simulator, lambda _previous: _simulator(), SimulatorProbe),
    "simulator-shared": (
        lambda: _simulator(shared=True),
        lambda _previous: _simulator(shared=True),
        SharedSimulatorProbe,
    ),
    # libvirt's backend is libvirt: a restarted driver sees the same domains.
    "libvirt": (libvirt_support.make_driver, lambda _previous: libvirt_support.make_driver(), LibvirtProbe),
}

DRIVERS = [
    pytest.param("simulator", id="simulator"),
    pytest.param("simulator-shared", id="simulator-shared"),
    pytest.param("libvirt", id="libvirt-test", marks=pytest.mark.libvirt),
]


@pytest.fixture(params=DRIVERS)
def driver_kind(request: pytest.FixtureRequest) -> str:
    """Which entry of ``DRIVERS`` (a driver's ``name`` does not tell the simulator's modes apart)."""
    if request.param == "libvirt":
        request.getfixturevalue("libvirt_backend")
        libvirt_support.reset_backend()
    return str(request.param)


@pytest.fixture
async def driver(driver_kind: str) -> AsyncIterator[ComputeDriver]:
    """Each available driver in turn, over a fresh backend."""
    make, _, _ = _DRIVERS[driver_kind]
    instance = make()
    yield instance
    await instance.close()


@pytest.fixture
def probe(driver: ComputeDriver, driver_kind: str) -> DriverProbe:
    _, _, probe_class = _DRIVERS[driver_kind]
    return probe_class(driver)


@pytest.fixture
async def restarted(driver: ComputeDriver, driver_kind: str) -> AsyncIterator[Callable[[], ComputeDriver]]:
    """Builds the driver a restarted server would get, over the same backend as ``driver``."""
    _, reopen, _ = _DRIVERS[driver_kind]
    opened: list[ComputeDriver] = []

    def restart() -> ComputeDriver:
        opened.append(reopen(driver))
        return opened[-1]

    yield restart
    for instance in opened:
        await instance.close()


@pytest.fixture
async def host(driver: ComputeDriver) -> HostInfo:
    """The first host the driver offers."""
    return (await driver.hosts())[0]


class SpecFactory:
    """Builds valid machine specs whose ids, MACs and IPs never collide within a test."""

    network_id = "network-contract"
    cidr = "10.42.0.0/16"
    gateway = "10.42.0.1"

    def __init__(self) -> None:
        self._numbers = itertools.count(2)

    def nic(self, *, network_id: str | None = None, is_default: bool = True, **overrides: Any) -> NicSpec:
        number = next(self._numbers)
        nic = NicSpec(
            nic_id=f"nic-{number}",
            mac_address=f"02:00:00:00:{number // 256:02x}:{number % 256:02x}",
            ip_address=f"10.42.{number // 256}.{number % 256}",
            network_id=network_id or self.network_id,
            cidr=self.cidr,
            gateway=self.gateway,
            is_default=is_default,
        )
        return replace(nic, **overrides)

    def disk(self, *, is_root: bool = False, size_gb: int = 10) -> DiskSpec:
        number = next(self._numbers)
        image = "template-image" if is_root else ""
        return DiskSpec(f"volume-{number}", size_gb, is_root, image)

    def machine(self, host: HostInfo, **overrides: Any) -> MachineSpec:
        number = next(self._numbers)
        spec = MachineSpec(
            instance_id=f"instance-{number}",
            name=f"machine-{number}",
            hostname=f"machine-{number}",
            host_name=host.name,
            zone_name=host.zone_name,
            cpu_count=1,
            memory_mb=1024,
            template_id="template-ubuntu",
            username="cca-user",
            nics=(self.nic(),),
            disks=(self.disk(is_root=True, size_gb=20),),
            user_data="#cloud-config\n",
            ssh_public_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIContract contract@test",
            password="first-Password-1",
        )
        return replace(spec, **overrides)


@pytest.fixture
def specs() -> SpecFactory:
    return SpecFactory()
