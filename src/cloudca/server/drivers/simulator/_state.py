"""The simulator's books: hosts with their usage, machines, and read-only views of machines."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from cloudca.server.drivers.base import DiskSpec, HostInfo, MachineSpec, NicSpec, PowerState


def password_digest(password: str) -> str:
    """The SHA-256 the simulator keeps instead of a password: secrets are never held in clear."""
    return hashlib.sha256(password.encode()).hexdigest()


@dataclass
class SimulatedHost:
    """A host and what its running machines use of it (stopped machines use nothing)."""

    info: HostInfo
    cpus_used: int = 0
    memory_mb_used: int = 0
    #: False while the host is silent (``SimulatorDriver.silence_host``): as a libvirt host that
    #: stopped answering, its machines can be neither operated nor queried.
    answering: bool = True

    def fits(self, cpu_count: int, memory_mb: int) -> bool:
        """Whether ``cpu_count`` more CPUs and ``memory_mb`` more memory are free."""
        return (
            self.cpus_used + cpu_count <= self.info.cpu_count
            and self.memory_mb_used + memory_mb <= self.info.memory_mb
        )

    def could_ever_fit(self, cpu_count: int, memory_mb: int) -> bool:
        """Whether a machine of this size could run here at all, were the host empty."""
        return cpu_count <= self.info.cpu_count and memory_mb <= self.info.memory_mb

    def reserve(self, cpu_count: int, memory_mb: int) -> None:
        self.cpus_used += cpu_count
        self.memory_mb_used += memory_mb

    def release(self, cpu_count: int, memory_mb: int) -> None:
        self.cpus_used -= cpu_count
        self.memory_mb_used -= memory_mb


@dataclass
class SimulatedMachine:
    """One machine. ``created_from`` is the spec of ``create`` without its password (``None`` if adopted)."""

    instance_id: str
    host_name: str
    power_state: PowerState
    cpu_count: int
    memory_mb: int
    created_from: MachineSpec | None = None
    nics: tuple[NicSpec, ...] = ()
    disks: tuple[DiskSpec, ...] = ()
    user_data: str = ""
    username: str = ""
    password_sha256: str | None = None
    ssh_public_key: str | None = None
    #: CPU and memory the running guest booted with; differs from the definition until the next boot.
    booted_size: tuple[int, int] | None = None
    boot_count: int = 0
    adopted: bool = False
    details_known: bool = field(default=True)

    def boot(self) -> None:
        self.power_state = PowerState.RUNNING
        self.booted_size = (self.cpu_count, self.memory_mb)
        self.boot_count += 1

    def halt(self) -> None:
        self.power_state = PowerState.STOPPED
        self.booted_size = None

    def view(self) -> MachineView:
        return MachineView(
            instance_id=self.instance_id,
            host_name=self.host_name,
            power_state=self.power_state,
            cpu_count=self.cpu_count,
            memory_mb=self.memory_mb,
            pending_resize=self.booted_size not in (None, (self.cpu_count, self.memory_mb)),
            username=self.username,
            nics=self.nics,
            disks=self.disks,
            user_data=self.user_data,
            password_sha256=self.password_sha256,
            ssh_public_key=self.ssh_public_key,
            boot_count=self.boot_count,
            adopted=self.adopted,
            details_known=self.details_known,
        )


@dataclass(frozen=True)
class MachineView:
    """A snapshot of one simulated machine, for tests and debugging (never holds a password)."""

    instance_id: str
    host_name: str
    power_state: PowerState
    cpu_count: int
    memory_mb: int
    #: Running with a size other than the one it booted with: the new size applies at the next boot.
    pending_resize: bool
    username: str
    nics: tuple[NicSpec, ...]
    disks: tuple[DiskSpec, ...]
    user_data: str
    password_sha256: str | None
    ssh_public_key: str | None
    #: Times the machine was powered on (start of a stopped machine, or reboot).
    boot_count: int
    #: Rebuilt by ``adopt`` after a restart rather than created in this process.
    adopted: bool
    #: False for an adopted machine whose size, NICs and disks the simulator could not recover.
    details_known: bool

    def password_matches(self, password: str) -> bool:
        """Whether ``password`` is the default user's password."""
        if self.password_sha256 is None:
            return False
        return hmac.compare_digest(self.password_sha256, password_digest(password))
