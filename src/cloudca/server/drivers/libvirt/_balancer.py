"""Load balancers of public IPs as nftables DNAT rules that spread connections over their backends.

Why nftables and not HAProxy: the kernel already holds cloudca's forwards (_firewall.py), so a
balancer is one more chain in the same table, changed in one atomic transaction, kept across a
restart of cloudca, with no daemon to supervise, no port to bind on the public IP, and UDP as well
as TCP. The price is layer 4 only: each new connection (conntrack keeps it on its backend) goes to

- ``roundrobin``: the next backend in turn (``numgen inc mod N``);
- ``source``, and any rule with ``SourceBased`` stickiness: the backend that the hash of the
  client's address picks (``jhash ip saddr mod N``), the same one every time.

``leastconn``, cookie stickiness (``LbCookie``, ``AppCookie``) and the ``tcp-proxy`` and ``ssl``
protocols need a proxy that sees connections or HTTP; they are refused (``DriverError``, listed in
``UNSUPPORTED``) rather than silently applied as something else.

In cloudca's table: a verdict map ``balanced_ips`` (public IP -> its chain ``lb-<a>-<b>-<c>-<d>``),
looked up by ``prerouting`` and ``output`` after the forwards' map, so that one IP may both forward
some ports and balance others. Each rule carries its rule id as comment. A rule without backends
drops what reaches its port (nothing answers, as the contract says).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from cloudca.server.drivers.base import DriverError
from cloudca.server.drivers.rules import LoadBalancer

from ._firewall import Command, _match, _object, replace_chain

#: The words of contract 6.12 that this layer-4 balancer cannot honour.
UNSUPPORTED = frozenset({"leastconn", "LbCookie", "AppCookie", "tcp-proxy", "ssl"})
_MAP = "balanced_ips"


def chain_name(public_ip: str) -> str:
    return "lb-" + str(ipaddress.IPv4Address(public_ip)).replace(".", "-")


def base_commands(table: Sequence[dict[str, Any]]) -> list[Command]:
    """The map and its lookups, when the table does not have them yet (a table made before them)."""
    if any(item.get("map", {}).get("name") == _MAP for item in table):
        return []
    commands: list[Command] = [{"add": _object("map", name=_MAP, type="ipv4_addr", map="verdict")}]
    lookup = {"vmap": {"key": {"payload": {"protocol": "ip", "field": "daddr"}}, "data": f"@{_MAP}"}}
    for chain in ("prerouting", "output"):
        commands.append({"add": _object("rule", chain=chain, expr=[lookup])})
    return commands


def check_supported(balancers: Sequence[LoadBalancer]) -> None:
    for rule in balancers:
        words = {rule.protocol, rule.algorithm, rule.stickiness_method or ""}
        refused = sorted(words & UNSUPPORTED)
        if refused:
            raise DriverError(
                f"load balancer rule {rule.rule_id}: {', '.join(refused)} cannot be applied by the "
                "libvirt driver's layer-4 (nftables) balancer"
            )


def _target(rule: LoadBalancer) -> Any:
    """The address a new connection goes to: the only backend, or one chosen by the algorithm."""
    if len(rule.backends) == 1:
        return rule.backends[0]
    count = len(rule.backends)
    if rule.algorithm == "source" or rule.stickiness_method == "SourceBased":
        key: Command = {
            "jhash": {"mod": count, "seed": 0, "expr": {"payload": {"protocol": "ip", "field": "saddr"}}}
        }
    else:
        key = {"numgen": {"mode": "inc", "mod": count, "offset": 0}}
    return {
        "map": {
            "key": key,
            "data": {"set": [[index, address] for index, address in enumerate(rule.backends)]},
        }
    }


def balancer_rules(public_ip: str, balancers: Sequence[LoadBalancer]) -> list[Command]:
    """The rules of one public IP's chain (without the chain itself)."""
    chain = chain_name(public_ip)
    commands: list[Command] = []
    for rule in sorted(balancers, key=lambda rule: (rule.public_port, rule.rule_id)):
        port = _match({"payload": {"protocol": rule.protocol, "field": "dport"}}, rule.public_port)
        verdict: Command = (
            {"dnat": {"addr": _target(rule), "port": rule.private_port}} if rule.backends else {"drop": None}
        )
        commands.append({"add": _object("rule", chain=chain, expr=[port, verdict], comment=rule.rule_id)})
    return commands


def replace_commands(
    public_ip: str, balancers: Sequence[LoadBalancer], table: Sequence[dict[str, Any]]
) -> list[Command]:
    """One transaction making ``public_ip``'s balancers exactly ``balancers`` (none when they already are)."""
    added = balancer_rules(public_ip, balancers)
    return replace_chain(table, _MAP, public_ip, chain_name(public_ip), added, base_commands(table))


def read_backends(table: Sequence[dict[str, Any]], public_ip: str) -> dict[str, tuple[str, ...]]:
    """Rule id -> the backends the kernel spreads its connections over, for one public IP."""
    chain = chain_name(public_ip)
    found: dict[str, tuple[str, ...]] = {}
    for item in table:
        rule = item.get("rule", {})
        if rule.get("chain") != chain:
            continue
        backends: tuple[str, ...] = ()
        for expression in rule.get("expr", []):
            address = expression.get("dnat", {}).get("addr")
            if isinstance(address, str):
                backends = (address,)
            elif isinstance(address, dict):
                backends = tuple(str(pair[1]) for pair in address["map"]["data"]["set"])
        found[str(rule.get("comment", ""))] = backends
    return found
