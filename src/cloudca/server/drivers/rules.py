"""The network rules the control plane hands a driver: port forwards, ACL rules and load balancers.

Frozen values, decided and normalised by the control plane (``networking/``); a driver applies them
as they are (``ComputeDriver.set_port_forwarding``, ``set_network_acl``, ``set_load_balancing``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PortForward:
    """One port forwarding rule of a public IP, as the control plane decided it."""

    rule_id: str
    protocol: str
    public_port_start: int
    public_port_end: int
    private_ip: str
    private_port_start: int
    private_port_end: int


@dataclass(frozen=True)
class AclRule:
    """One rule of a network's ACL, as the control plane decided it (contract 6.9).

    Values are normalised: ``action`` is ``allow``/``deny``, ``protocol`` ``tcp``/``udp``/``icmp``/``all``,
    ``traffic_type`` ``ingress`` (towards the network's machines) or ``egress`` (from them). Ports
    are set for tcp/udp only, ICMP type and code (-1 = any) for icmp only.
    """

    rule_id: str
    rule_number: int
    action: str
    protocol: str
    traffic_type: str
    cidr: str
    start_port: int | None = None
    end_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None


@dataclass(frozen=True)
class LoadBalancer:
    """One load balancer rule of a public IP: ``public_port`` spread over ``backends`` (contract 6.12).

    ``protocol`` is ``tcp``, ``udp``, ``tcp-proxy`` or ``ssl``; ``algorithm`` ``roundrobin``,
    ``leastconn`` or ``source``; ``backends`` are private IPs (possibly none: nothing answers).
    ``stickiness_method`` is ``LbCookie``, ``AppCookie``, ``SourceBased`` or ``None``, with its
    parameters as sorted (name, value) pairs.
    """

    rule_id: str
    protocol: str
    public_port: int
    private_port: int
    algorithm: str
    backends: tuple[str, ...]
    stickiness_method: str | None = None
    stickiness_parameters: tuple[tuple[str, str], ...] = ()
