"""The consistency checks a real backend would make, as pure functions over the simulator's books.

The control plane guarantees uniqueness with database constraints; the simulator checks again so
that a bug there fails loudly here instead of being silently accepted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from cloudca.server.drivers.base import DiskSpec, DriverError, KnownMachine, NicSpec
from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward

from ._state import SimulatedMachine

_PROTOCOLS = frozenset({"tcp", "udp"})
_ACL_PROTOCOLS = frozenset({"tcp", "udp", "icmp", "all"})
_LB_PROTOCOLS = frozenset({"tcp", "udp", "tcp-proxy", "ssl"})
_ALGORITHMS = frozenset({"roundrobin", "leastconn", "source"})


def check_size(instance_id: str, cpu_count: int, memory_mb: int) -> None:
    if cpu_count < 1 or memory_mb < 1:
        raise DriverError(
            f"instance {instance_id}: cpu_count and memory_mb must be positive, not {cpu_count}/{memory_mb}"
        )


def check_nics(instance_id: str, nics: Sequence[NicSpec], others: Iterable[SimulatedMachine]) -> None:
    """NICs well formed, one default, one per network, and no MAC or (network, IP) used elsewhere."""
    for nic in nics:
        try:
            network = ipaddress.ip_network(nic.cidr)
            address = ipaddress.ip_address(nic.ip_address)
        except ValueError as exc:
            raise DriverError(f"instance {instance_id}: NIC {nic.nic_id}: {exc}") from exc
        if address not in network:
            raise DriverError(f"instance {instance_id}: NIC {nic.nic_id}: {address} is not in {network}")
    if nics and sum(nic.is_default for nic in nics) != 1:
        raise DriverError(f"instance {instance_id}: exactly one NIC must be the default")
    _check_unique(instance_id, "NIC id", [nic.nic_id for nic in nics])
    _check_unique(instance_id, "network", [nic.network_id for nic in nics])
    _check_unique(instance_id, "MAC address", [nic.mac_address.lower() for nic in nics])
    macs = {nic.mac_address.lower() for nic in nics}
    addresses = {(nic.network_id, nic.ip_address) for nic in nics}
    for other in others:
        for nic in other.nics:
            if nic.mac_address.lower() in macs:
                raise DriverError(
                    f"instance {instance_id}: MAC address {nic.mac_address} is already used by "
                    f"instance {other.instance_id}"
                )
            if (nic.network_id, nic.ip_address) in addresses:
                raise DriverError(
                    f"instance {instance_id}: IP address {nic.ip_address} on network {nic.network_id} "
                    f"is already used by instance {other.instance_id}"
                )


def check_disks(
    instance_id: str,
    disks: Sequence[DiskSpec],
    current: Sequence[DiskSpec],
    others: Iterable[SimulatedMachine],
) -> None:
    """One root disk, positive sizes, no shrinking, and no volume attached to another machine."""
    if sum(disk.is_root for disk in disks) != 1:
        raise DriverError(f"instance {instance_id}: exactly one disk must be the root disk")
    _check_unique(instance_id, "volume", [disk.volume_id for disk in disks])
    sizes = {disk.volume_id: disk.size_gb for disk in current}
    for disk in disks:
        if disk.size_gb < 1:
            raise DriverError(f"instance {instance_id}: volume {disk.volume_id} must have a positive size")
        if disk.size_gb < sizes.get(disk.volume_id, 0):
            raise DriverError(
                f"instance {instance_id}: volume {disk.volume_id} cannot shrink from "
                f"{sizes[disk.volume_id]} GB to {disk.size_gb} GB"
            )
    volumes = {disk.volume_id for disk in disks}
    for other in others:
        for disk in other.disks:
            if disk.volume_id in volumes:
                raise DriverError(
                    f"instance {instance_id}: volume {disk.volume_id} is attached to "
                    f"instance {other.instance_id}"
                )


def check_port_forwards(public_ip: str, rules: Sequence[PortForward]) -> None:
    """Valid protocols and ranges, equal public and private widths, no overlap on one protocol."""
    _check_address(public_ip, f"public IP {public_ip!r}")
    _check_unique(public_ip, "port forwarding rule", [rule.rule_id for rule in rules])
    taken: dict[str, list[PortForward]] = {}
    for rule in rules:
        protocol = rule.protocol.lower()
        if protocol not in _PROTOCOLS:
            raise DriverError(f"rule {rule.rule_id}: protocol must be TCP or UDP, not {rule.protocol!r}")
        for start, end in (
            (rule.public_port_start, rule.public_port_end),
            (rule.private_port_start, rule.private_port_end),
        ):
            if not 1 <= start <= end <= 65535:
                raise DriverError(f"rule {rule.rule_id}: invalid port range {start}-{end}")
        if rule.public_port_end - rule.public_port_start != rule.private_port_end - rule.private_port_start:
            raise DriverError(f"rule {rule.rule_id}: public and private port ranges differ in width")
        _check_address(rule.private_ip, f"rule {rule.rule_id}")
        for other in taken.get(protocol, []):
            overlaps = other.public_port_start <= rule.public_port_end
            if overlaps and rule.public_port_start <= other.public_port_end:
                raise DriverError(
                    f"public IP {public_ip}: rules {other.rule_id} and {rule.rule_id} overlap on {protocol}"
                )
        taken.setdefault(protocol, []).append(rule)


def check_acl_rules(network_id: str, cidr: str, rules: Sequence[AclRule]) -> None:
    """Known actions, protocols and directions; ports only for tcp/udp, ICMP fields only for icmp;
    valid CIDRs; a rule number used once."""
    _check_network(cidr, f"network {network_id}")
    _check_unique(network_id, "ACL rule", [rule.rule_id for rule in rules])
    _check_unique(network_id, "ACL rule number", [str(rule.rule_number) for rule in rules])
    for rule in rules:
        subject = f"ACL rule {rule.rule_id}"
        if rule.action not in ("allow", "deny") or rule.traffic_type not in ("ingress", "egress"):
            raise DriverError(f"{subject}: unknown action or traffic type")
        if rule.protocol not in _ACL_PROTOCOLS:
            raise DriverError(f"{subject}: unknown protocol {rule.protocol!r}")
        _check_network(rule.cidr, subject)
        has_ports = rule.start_port is not None or rule.end_port is not None
        has_icmp = rule.icmp_type is not None or rule.icmp_code is not None
        if rule.protocol in _PROTOCOLS:
            start, end = rule.start_port or 0, rule.end_port or 0
            if not 1 <= start <= end <= 65535 or has_icmp:
                raise DriverError(f"{subject}: invalid ports {start}-{end}")
        elif rule.protocol == "icmp":
            if has_ports or not has_icmp:
                raise DriverError(f"{subject}: icmp takes a type and code, no ports")
        elif has_ports or has_icmp:
            raise DriverError(f"{subject}: protocol all takes no ports or ICMP fields")


def check_load_balancers(public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
    """Known protocols and algorithms, valid ports and backends, one rule per public port."""
    _check_address(public_ip, f"public IP {public_ip!r}")
    _check_unique(public_ip, "load balancer rule", [rule.rule_id for rule in balancers])
    _check_unique(public_ip, "public port", [str(rule.public_port) for rule in balancers])
    for rule in balancers:
        subject = f"load balancer rule {rule.rule_id}"
        if rule.protocol not in _LB_PROTOCOLS or rule.algorithm not in _ALGORITHMS:
            raise DriverError(f"{subject}: unknown protocol {rule.protocol!r} or algorithm {rule.algorithm}")
        if not (1 <= rule.public_port <= 65535 and 1 <= rule.private_port <= 65535):
            raise DriverError(f"{subject}: invalid ports {rule.public_port} -> {rule.private_port}")
        _check_unique(subject, "backend", list(rule.backends))
        for backend in rule.backends:
            _check_address(backend, subject)


def _check_address(value: str, subject: str) -> None:
    try:
        ipaddress.ip_address(value)
    except ValueError as exc:
        raise DriverError(f"{subject}: {exc}") from exc


def _check_network(value: str, subject: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise DriverError(f"{subject}: {exc}") from exc


def _check_unique(subject: str, what: str, values: Sequence[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise DriverError(f"{subject}: {what} {value} appears twice")
        seen.add(value)


def check_adoption(machines: Sequence[KnownMachine], hosts: set[str], placed: dict[str, str]) -> None:
    """Machines listed once, on hosts this simulator offers, with sizes, and on the host where the
    simulator already has them (``placed``: instance id -> host name)."""
    seen: set[str] = set()
    for known in machines:
        if known.instance_id in seen:
            raise DriverError(f"instance {known.instance_id} is listed twice")
        seen.add(known.instance_id)
        if known.host_name not in hosts:
            raise DriverError(
                f"instance {known.instance_id} is on host {known.host_name}, which this simulator "
                "does not offer (were zones or hosts_per_zone changed?)"
            )
        if known.cpu_count < 0 or known.memory_mb < 0:
            raise DriverError(
                f"instance {known.instance_id}: cpu_count and memory_mb cannot be negative, "
                f"not {known.cpu_count}/{known.memory_mb}"
            )
        existing = placed.get(known.instance_id)
        if existing is not None and existing != known.host_name:
            raise DriverError(f"instance {known.instance_id} is on host {existing}, not {known.host_name}")
