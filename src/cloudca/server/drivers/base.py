"""The compute driver interface: what the control plane asks of a hypervisor backend.

The control plane owns every decision and all bookkeeping: which host runs a machine (placement,
with capacity counters in the database), which private IP and MAC each NIC gets, passwords, keys.
A driver only carries those decisions out on its backend. Inputs are frozen dataclasses; the only
identities that cross this boundary are the control plane's own (instance ids, host names). Backend
ids (libvirt domain UUIDs, file paths, ...) never do.

Every method is idempotent where it can be (destroying a machine that is gone succeeds) and states
what is true after it returns. When a method fails it raises ``DriverError`` (or a subclass) and
leaves nothing half-made behind: the control plane can retry or roll back without asking the
backend to clean up.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward


class PowerState(enum.Enum):
    RUNNING = "Running"
    STOPPED = "Stopped"


class PasswordApplied(enum.Enum):
    """When a new password reaches the guest (``set_password``'s answer, shown in the task result)."""

    #: The running guest has it now (set through its guest agent).
    NOW = "now"
    #: The guest gets it at its next boot (from the seed); the machine was stopped or has no agent.
    NEXT_BOOT = "nextBoot"


@dataclass(frozen=True)
class Capabilities:
    """What a driver can do, declared rather than probed."""

    #: Changes CPU/memory of a running machine without a reboot.
    live_resize: bool = False
    #: Really forwards public ports to machines (the simulator only records the rules).
    forwards_ports: bool = False
    #: Boots real guests that read user data, keys and passwords.
    real_guests: bool = False
    #: Really filters a network's traffic by its ACL rules (``set_network_acl``).
    enforces_network_acls: bool = False
    #: Really balances a public IP's ports over its backends (``set_load_balancing``).
    balances_load: bool = False
    #: Words of contract 6.12 (protocols, algorithms, stickiness methods) that the balancer cannot
    #: honour: ``set_load_balancing`` refuses rules using them instead of applying something else.
    balancing_refuses: frozenset[str] = frozenset()
    #: Serves remote access VPNs on a VPC's source NAT IP. No driver method exists for them yet:
    #: the control plane keeps their state; a driver declaring False only accepts that bookkeeping.
    remote_access_vpn: bool = False
    #: Streams the guest's serial console (``open_console``).
    serial_console: bool = False
    #: ``open_console`` answers with a stand-in (a prompt that runs a few commands), not a guest.
    simulated_console: bool = False
    #: Every operation completes at once, in memory (the simulator's ``instant`` profile): the
    #: control plane may run a task inline, in the request that accepted it (``TaskRunner.submit``).
    instant: bool = False


@dataclass(frozen=True)
class HostInfo:
    """A host the driver offers: its name (unique within its zone), zone name and capacity."""

    name: str
    zone_name: str
    cpu_count: int
    memory_mb: int


@dataclass(frozen=True)
class NicSpec:
    """One NIC: its id (the private IP id), MAC and IPv4 configuration, all decided by the control plane."""

    nic_id: str
    mac_address: str
    ip_address: str
    network_id: str
    cidr: str
    gateway: str
    is_default: bool


@dataclass(frozen=True)
class DiskSpec:
    """A volume attached to the machine. ``image_location`` is set for a root disk made from a template."""

    volume_id: str
    size_gb: int
    is_root: bool
    image_location: str = ""


@dataclass(frozen=True)
class MachineSpec:
    """Everything needed to define a machine. Secrets here are handed over, never stored by drivers."""

    instance_id: str
    name: str
    hostname: str
    host_name: str
    zone_name: str
    cpu_count: int
    memory_mb: int
    template_id: str
    username: str
    nics: tuple[NicSpec, ...]
    disks: tuple[DiskSpec, ...]
    user_data: str = ""
    ssh_public_key: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class KnownMachine:
    """A machine the control plane believes exists, handed to ``adopt`` at start."""

    instance_id: str
    host_name: str
    power_state: PowerState
    cpu_count: int = 0
    memory_mb: int = 0


@dataclass(frozen=True)
class MachineReport:
    """One machine as the backend has it now, for the drift monitor (``list_machines``).

    ``instance_id`` is ``None`` for a machine that is not cloudca's (another tool's domain on the
    host); ``name`` is then the backend's name for it, only ever logged. ``problem`` says why the
    machine cannot run as defined (a disk file gone), or is empty; ``crashed`` and ``problem``
    are the reasons the drift monitor shows when it puts the instance in ``Error``.
    """

    instance_id: str | None
    name: str
    host_name: str
    power_state: PowerState
    #: Stopped by a failure (the emulator died, the guest crashed), not by a shutdown.
    crashed: bool = False
    problem: str = ""


class ConsoleStream(abc.ABC):
    """A machine's serial console, attached: bytes from the guest and keystrokes to it."""

    @abc.abstractmethod
    async def read(self) -> bytes:
        """The next bytes the guest wrote (waits for them); ``b""`` once the console has closed."""

    @abc.abstractmethod
    async def write(self, data: bytes) -> None:
        """Send ``data`` to the guest as typed input."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Detach; idempotent. The machine is unaffected."""


class DriverError(Exception):
    """A backend operation failed; nothing was left half-made."""


class NoCapacityError(DriverError):
    """The backend cannot run the machine where it was placed (reported as NO_CAPACITY)."""


class MachineNotFoundError(DriverError):
    """The backend has no machine for this instance id."""


class ComputeDriver(abc.ABC):
    """The interface every driver implements; ``tests/drivers`` is its contract suite."""

    #: The name used by ``--driver``.
    name: str
    capabilities: Capabilities

    @abc.abstractmethod
    async def hosts(self) -> Sequence[HostInfo]:
        """The hosts this driver offers. Called at start; the control plane records their capacity."""

    @abc.abstractmethod
    async def adopt(self, machines: Sequence[KnownMachine]) -> None:
        """Called once at start with every machine the control plane knows.

        After it returns, ``power_state`` answers for each of them. A backend that keeps its own
        state (libvirt) may only check them; the simulator rebuilds its memory from them.
        """

    @abc.abstractmethod
    async def create(self, spec: MachineSpec) -> None:
        """Define the machine on ``spec.host_name`` with its disks and NICs, powered off.

        After it returns the machine exists and is stopped. On failure nothing of it remains.
        Creating an instance id that already exists with the same spec succeeds (idempotent retry).
        """

    @abc.abstractmethod
    async def start(self, instance_id: str) -> None:
        """Power the machine on. After it returns it is running. Starting a running machine succeeds.

        Beyond what its host has free, a driver either runs it (a real host may overcommit; the
        control plane's reservations decide placement) or raises ``NoCapacityError`` and changes
        nothing; the contract suite accepts both."""

    @abc.abstractmethod
    async def stop(self, instance_id: str) -> None:
        """Power the machine off. After it returns it is stopped. Stopping a stopped machine succeeds."""

    @abc.abstractmethod
    async def reboot(self, instance_id: str) -> None:
        """Restart the machine; a stopped machine is started. After it returns it is running."""

    @abc.abstractmethod
    async def destroy(self, instance_id: str) -> None:
        """Remove the machine and its root disk. Destroying a machine that does not exist succeeds."""

    @abc.abstractmethod
    async def power_state(self, instance_id: str) -> PowerState | None:
        """The machine's power state, or ``None`` when the backend has no such machine."""

    @abc.abstractmethod
    async def resize(self, instance_id: str, cpu_count: int, memory_mb: int) -> None:
        """Change CPU and memory. The caller stops or reboots the machine unless ``live_resize``."""

    @abc.abstractmethod
    async def set_password(self, instance_id: str, username: str, password: str) -> PasswordApplied:
        """Make ``password`` the default user's password; says whether the guest has it now or at next boot.

        Stopped machines, and running ones without a guest agent, get it at their next boot.
        """

    @abc.abstractmethod
    async def set_ssh_key(self, instance_id: str, username: str, public_key: str) -> None:
        """Make ``public_key`` the default user's only authorized key (applied at next boot if stopped)."""

    @abc.abstractmethod
    async def set_nics(self, instance_id: str, nics: Sequence[NicSpec]) -> None:
        """Replace the machine's NICs by ``nics`` (changeNetwork, NIC create/delete, setDefault)."""

    @abc.abstractmethod
    async def set_disks(self, instance_id: str, disks: Sequence[DiskSpec]) -> None:
        """Replace the machine's attached disks by ``disks`` (attach, detach, resize of volumes)."""

    # -- Storage that lives without a machine (detached volumes, snapshots) ---------------------------

    @abc.abstractmethod
    async def set_volume(self, volume_id: str, size_gb: int) -> None:
        """Make a data volume exist with at least ``size_gb`` (create, or grow; never shrink).

        For volumes attached to no machine; attached ones change through ``set_disks``. Idempotent.
        """

    @abc.abstractmethod
    async def delete_volume(self, volume_id: str) -> None:
        """Remove a detached data volume and its data. Its snapshots stay. Deleting a missing one succeeds."""

    @abc.abstractmethod
    async def snapshot_volume(self, volume_id: str, snapshot_id: str) -> int:
        """Capture the volume's content now, attached (running or not) or detached; returns the
        snapshot's size in bytes. A snapshot outlives its volume. Retrying the same id succeeds."""

    @abc.abstractmethod
    async def revert_volume(self, volume_id: str, snapshot_id: str) -> None:
        """Make the volume's content the snapshot's again (its size stays the volume's).

        The volume must not be in use by a running machine: raises ``DriverError`` then.
        """

    @abc.abstractmethod
    async def delete_snapshot(self, snapshot_id: str) -> None:
        """Remove a snapshot's data. Deleting a missing one succeeds."""

    @abc.abstractmethod
    async def set_port_forwarding(self, public_ip: str, rules: Sequence[PortForward]) -> None:
        """Make the forwards of ``public_ip`` exactly ``rules`` (an empty list removes them all)."""

    @abc.abstractmethod
    async def set_static_nat(self, public_ip: str, private_ip: str | None) -> None:
        """Make ``public_ip`` the static NAT address of ``private_ip`` (``None``: of no one).

        After it returns, every packet to ``public_ip`` (any protocol, any port) reaches
        ``private_ip``, and what ``private_ip`` sends beyond its networks leaves as ``public_ip``.
        The control plane never gives an address both static NAT and port forwards or balancers,
        and never one private IP two static NAT addresses. Idempotent; drivers that do not forward
        (``capabilities.forwards_ports`` false) record it only.
        """

    @abc.abstractmethod
    async def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        """Make the filtering of the network ``network_id`` (addresses ``cidr``) exactly ``rules``.

        Rules are evaluated in ascending ``rule_number``; the first that matches a packet decides.
        A packet no rule matches is dropped when it enters the network (ingress) and accepted when
        it leaves (egress). ``None`` removes the network's filtering altogether (the network is
        going away). Idempotent: the same rules again change nothing. Raises ``DriverError`` on a
        rule the backend cannot apply, leaving the previous filtering in place. Drivers that do
        not enforce ACLs (``capabilities.enforces_network_acls`` false) record them only.
        """

    @abc.abstractmethod
    async def set_load_balancing(self, public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
        """Make the load balancers of ``public_ip`` exactly ``balancers`` (an empty list removes them all).

        After it returns, traffic to each ``public_port`` is spread over the rule's backends on
        ``private_port`` with its algorithm and stickiness. Idempotent. Raises ``DriverError`` on
        rules the backend cannot apply (two on one public port, unknown algorithm), leaving the
        previous balancers in place. Drivers that do not balance (``capabilities.balances_load``
        false) record them only.
        """

    async def list_machines(self) -> Sequence[MachineReport] | None:
        """Every machine the backend has now, cloudca's or not, with its power state and any problem.

        The drift monitor compares it with the database (a safety net under ``watch``). ``None``
        (the default) means the driver cannot list what it has: no sweep.
        """
        return None

    async def report(self, instance_id: str) -> MachineReport | None:
        """One machine as ``list_machines`` would report it, or ``None`` when the backend has none.
        The default knows only the power state."""
        power = await self.power_state(instance_id)
        return None if power is None else MachineReport(instance_id, instance_id, "", power)

    def unreachable_hosts(self) -> frozenset[str]:
        """Hosts that did not answer the last ``hosts``/``list_machines``: the control plane marks
        them ``Down`` and leaves their machines' last known state alone. Default: none."""
        return frozenset()

    def watch(self, notify: Callable[[str], None]) -> None:  # noqa: B027 - optional, not abstract
        """Call ``notify(instance_id)`` when the backend sees a machine change by itself (powered
        off from inside, crashed, deleted). Called once, from the event loop ``notify`` must run on;
        ``notify`` only says "look at this machine again". Default: no events (the sweep alone)."""

    async def open_console(self, instance_id: str) -> ConsoleStream:
        """Attach to the machine's serial console (``capabilities.serial_console`` or
        ``simulated_console``). Raises ``MachineNotFoundError`` when there is no such machine and
        ``DriverError`` when it is not running or the driver has no console."""
        raise DriverError(f"the {self.name} driver has no console")

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; called once at shutdown."""
