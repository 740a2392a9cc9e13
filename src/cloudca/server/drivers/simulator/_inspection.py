"""What a test (or a curious operator) can read of the simulator's books; not part of ComputeDriver."""

from __future__ import annotations

from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward

from ._state import MachineView, SimulatedHost, SimulatedMachine


class Inspection:
    """Read-only views of ``SimulatorDriver``'s books (a mixin: the driver holds the books)."""

    _machines: dict[str, SimulatedMachine]
    _hosts: dict[str, SimulatedHost]
    _port_forwards: dict[str, tuple[PortForward, ...]]
    _static_nat: dict[str, str]
    _network_acls: dict[str, tuple[AclRule, ...]]
    _load_balancers: dict[str, tuple[LoadBalancer, ...]]

    def machine(self, instance_id: str) -> MachineView | None:
        """A snapshot of the machine, or ``None`` when there is none."""
        machine = self._machines.get(instance_id)
        return machine.view() if machine is not None else None

    def host_usage(self, host_name: str) -> tuple[int, int]:
        """CPUs and memory (MB) used on ``host_name`` by the machines running there."""
        host = self._hosts.get(host_name)
        if host is None:
            raise KeyError(host_name)
        return host.cpus_used, host.memory_mb_used

    def port_forwards(self, public_ip: str) -> tuple[PortForward, ...]:
        """The forwarding rules of ``public_ip`` (empty when it has none)."""
        return self._port_forwards.get(public_ip, ())

    def static_nat(self, public_ip: str) -> str | None:
        """The private IP ``public_ip`` is the static NAT address of, if any."""
        return self._static_nat.get(public_ip)

    def network_acl(self, network_id: str) -> tuple[AclRule, ...] | None:
        """The ACL rules of ``network_id`` in evaluation order, or ``None`` when it has no filtering."""
        return self._network_acls.get(network_id)

    def load_balancers(self, public_ip: str) -> tuple[LoadBalancer, ...]:
        """The load balancer rules of ``public_ip`` (empty when it has none)."""
        return self._load_balancers.get(public_ip, ())
