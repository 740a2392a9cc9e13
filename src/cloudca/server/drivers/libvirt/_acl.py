"""Network ACLs as nftables filter rules on each network's bridge, in cloudca's table (see _firewall.py).

Two base chains of type ``filter`` hold what every network shares:

- ``acl-ingress`` (hook postrouting: after DNAT, before source NAT) sees every packet about to
  leave the host on a bridge, i.e. entering a network, forwarded or sent by the host itself (a
  forwarded or balanced public port). It jumps through the verdict map ``acl_ingress`` (bridge name
  -> chain) to the network's ``acl-in-<bridge>``, which ends in ``drop``: what no rule allows
  does not enter.
- ``acl-egress`` (hook prerouting, before DNAT) sees every packet arriving from a bridge, i.e.
  leaving a network; the network's ``acl-out-<bridge>`` ends without a verdict: what no rule denies
  leaves.

Filtering is stateful, as a VPC router's is: replies of allowed connections pass both ways
(``ct state established,related``), and a new deny rule stops new connections only. DHCP between
the guests and the host's dnsmasq always passes, so that a guest behind ``default_deny`` still gets
its address. Packets within one network (between its machines, to and from its gateway) are never filtered.
Each rule carries ``<ruleNumber>:<rule id>`` as comment, so the table can be read back.

A network's change is one ``nft`` transaction (its two chains replaced whole, or nothing), built
by the pure functions here; the base chains are added the first time a network is filtered.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from cloudca.server.drivers.rules import AclRule

from ._current import digest, element, is_current
from ._firewall import FAMILY, TABLE, Command, _match, _object, _port
from ._xml import bridge_name

#: base chain, its hook and priority, the verdict map it jumps through, the interface the map is keyed by.
#: Egress runs before DNAT (-100), after conntrack (-200): rules see where a guest meant to go.
_BASES = (
    ("acl-ingress", "postrouting", 0, "acl_ingress", "oifname"),
    ("acl-egress", "prerouting", -150, "acl_egress", "iifname"),
)
_DHCP = {"acl-ingress": (67, 68), "acl-egress": (68, 67)}


def chain_names(network_id: str) -> tuple[str, str]:
    """The network's ingress and egress chains."""
    bridge = bridge_name(network_id)
    return f"acl-in-{bridge}", f"acl-out-{bridge}"


def base_commands(table: Sequence[dict[str, Any]]) -> list[Command]:
    """The ACLs' base chains and maps, when the table does not have them yet."""
    if any(item.get("map", {}).get("name") == "acl_ingress" for item in table):
        return []
    commands: list[Command] = []
    for chain, hook, priority, verdict_map, interface in _BASES:
        commands += [
            {"add": _object("map", name=verdict_map, type="ifname", map="verdict")},
            {"add": _object("chain", name=chain, type="filter", hook=hook, prio=priority, policy="accept")},
        ]
        established = _match({"ct": {"key": "state"}}, ["established", "related"], op="in")
        source, destination = _DHCP[chain]
        dhcp = [
            _match({"payload": {"protocol": "udp", "field": "sport"}}, source),
            _match({"payload": {"protocol": "udp", "field": "dport"}}, destination),
        ]
        lookup = {"vmap": {"key": {"meta": {"key": interface}}, "data": f"@{verdict_map}"}}
        commands += [
            {"add": _object("rule", chain=chain, expr=[established, {"accept": None}])},
            {"add": _object("rule", chain=chain, expr=[*dhcp, {"accept": None}])},
            {"add": _object("rule", chain=chain, expr=[lookup])},
        ]
    return commands


def _address(cidr: str) -> Any:
    network = ipaddress.IPv4Network(cidr, strict=False)
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return {"prefix": {"addr": str(network.network_address), "len": network.prefixlen}}


def rule_expression(rule: AclRule) -> list[Command]:
    """The match and verdict of one rule: its peer's CIDR (the source of what enters, the destination
    of what leaves), protocol, ports or ICMP type and code (-1: any)."""
    expr: list[Command] = []
    if ipaddress.IPv4Network(rule.cidr, strict=False).prefixlen > 0:
        field = "saddr" if rule.traffic_type == "ingress" else "daddr"
        expr.append(_match({"payload": {"protocol": "ip", "field": field}}, _address(rule.cidr)))
    if rule.protocol in ("tcp", "udp"):
        start = rule.start_port or 0
        ports = _port(start, rule.end_port or start)
        expr.append(_match({"payload": {"protocol": rule.protocol, "field": "dport"}}, ports))
    elif rule.protocol == "icmp":
        expr.append(_match({"meta": {"key": "l4proto"}}, "icmp"))
        for field, value in (("type", rule.icmp_type), ("code", rule.icmp_code)):
            if value is not None and value >= 0:
                expr.append(_match({"payload": {"protocol": "icmp", "field": field}}, value))
    expr.append({"accept": None} if rule.action == "allow" else {"drop": None})
    return expr


def chain_rules(network_id: str, cidr: str, rules: Sequence[AclRule]) -> list[Command]:
    """The rules of the network's two chains: traffic within the network first (accepted), then the
    ACL's rules in ascending ``rule_number``, then the ingress default (drop)."""
    ingress, egress = chain_names(network_id)
    # Where br_netfilter is loaded (bridge-nf-call-iptables), frames between machines of one
    # bridge pass these hooks too: traffic within the network is not the ACL's to filter.
    commands: list[Command] = [
        {
            "add": _object(
                "rule",
                chain=chain,
                expr=[
                    _match({"payload": {"protocol": "ip", "field": field}}, _address(cidr)),
                    {"accept": None},
                ],
                comment="network",
            )
        }
        for chain, field in ((ingress, "saddr"), (egress, "daddr"))
    ]
    for rule in sorted(rules, key=lambda rule: rule.rule_number):
        chain = ingress if rule.traffic_type == "ingress" else egress
        comment = f"{rule.rule_number}:{rule.rule_id}"
        commands.append({"add": _object("rule", chain=chain, expr=rule_expression(rule), comment=comment)})
    commands.append({"add": _object("rule", chain=ingress, expr=[{"drop": None}], comment="default")})
    return commands


def replace_commands(
    network_id: str, cidr: str, rules: Sequence[AclRule] | None, table: Sequence[dict[str, Any]]
) -> list[Command]:
    """One transaction making the network's filtering exactly ``rules`` (``None``: none at all); none
    when the kernel already has it (``_current``)."""
    bridge = bridge_name(network_id)
    chains = chain_names(network_id)
    added = [] if rules is None else chain_rules(network_id, cidr, rules)
    links = [
        (verdict_map, bridge, chain) for (_, _, _, verdict_map, _), chain in zip(_BASES, chains, strict=True)
    ]
    if rules is not None and is_current(table, links, added):
        return []
    existing = {item["chain"]["name"] for item in table if "chain" in item}
    commands: list[Command] = [] if rules is None else base_commands(table)
    for (_, _, _, verdict_map, _), chain in zip(_BASES, chains, strict=True):
        if chain in existing:
            commands += [
                {"delete": _object("element", name=verdict_map, elem=[bridge])},
                {"flush": _object("chain", name=chain)},
                {"delete": _object("chain", name=chain)},
            ]
    if rules is None:
        return commands
    commands += [{"add": _object("chain", name=chain)} for chain in chains]
    commands += added
    fingerprint = digest(added)
    for verdict_map, _, chain in links:
        commands.append(
            {"add": _object("element", name=verdict_map, elem=element(bridge, chain, fingerprint))}
        )
    return commands


def read_rule_ids(table: Sequence[dict[str, Any]], network_id: str) -> tuple[str, ...] | None:
    """The ids of the rules the kernel applies to the network, ingress then egress, each in
    evaluation order; ``None`` when the network is not filtered."""
    ingress, egress = chain_names(network_id)
    names = {item["chain"]["name"] for item in table if "chain" in item}
    if ingress not in names:
        return None
    found: dict[str, list[str]] = {ingress: [], egress: []}
    for item in table:
        rule = item.get("rule", {})
        comment = str(rule.get("comment", ""))
        if rule.get("chain") in found and ":" in comment:
            found[rule["chain"]].append(comment.split(":", 1)[1])
    return (*found[ingress], *found[egress])


__all__ = ["FAMILY", "TABLE", "read_rule_ids", "replace_commands", "rule_expression"]
