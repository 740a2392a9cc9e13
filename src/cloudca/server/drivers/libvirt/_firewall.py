"""Port forwarding of public IPs as nftables DNAT rules, written with ``nft -j`` (JSON, no string pasting).

cloudca owns one table, ``ip cloudca``, and touches nothing else:

- ``prerouting`` (packets from outside) and ``output`` (packets from the host itself) send a packet
  whose destination is a public IP through the verdict map ``public_ips`` to that IP's chain;
- each public IP with rules has a chain ``pub-<a>-<b>-<c>-<d>`` whose rules DNAT to the private IPs.
  Every rule carries its control-plane rule id as comment, so the table can be read back;
- ``postrouting`` masquerades what the host itself sends to a guest from a loopback address (the
  loopback public pool);
- ``nat-out`` (source NAT after ``postrouting``'s, whose static NAT comes first: the first NAT of a
  connection wins) masquerades what leaves cloudca's networks (bridges ``cca*``) for elsewhere, as
  a NAT network does (libvirt's networks are ``open``: libvirt adds no rule), and what a network
  sends to a public IP that leads back into cloudca's networks (hairpin: without it the backend
  answers a guest of its own network directly, from its private address, and the guest drops it).

A change of one IP is one ``nft`` transaction: the IP's rules are replaced whole, or not at all.
The JSON building functions are pure; ``Firewall`` runs them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from cloudca.server.drivers.base import DriverError
from cloudca.server.drivers.rules import PortForward

from ._current import digest, element, is_current
from ._tools import run_tool

TABLE = "cloudca"
FAMILY = "ip"
#: A range forwarded to a range of another start is expanded one rule per port; beyond this it is refused.
MAX_EXPANDED_PORTS = 1024

Command = dict[str, Any]


def chain_name(public_ip: str) -> str:
    return "pub-" + str(ipaddress.IPv4Address(public_ip)).replace(".", "-")


def _object(kind: str, **fields: Any) -> Command:
    return {kind: {"family": FAMILY, "table": TABLE, **fields}}


def base_commands() -> list[Command]:
    """The table, its base chains and map: created once, when the table does not exist."""
    commands: list[Command] = [
        {"add": {"table": {"family": FAMILY, "name": TABLE}}},
        {"add": _object("map", name="public_ips", type="ipv4_addr", map="verdict")},
    ]
    # Priorities: -100 is "dstnat", 100 is "srcnat" (nft -j takes numbers only).
    hooks = (
        ("prerouting", "prerouting", -100),
        ("output", "output", -100),
        ("postrouting", "postrouting", 100),
    )
    for name, hook, priority in hooks:
        commands.append(
            {"add": _object("chain", name=name, type="nat", hook=hook, prio=priority, policy="accept")}
        )
    for name in ("prerouting", "output"):
        lookup = {"vmap": {"key": {"payload": {"protocol": "ip", "field": "daddr"}}, "data": "@public_ips"}}
        commands.append({"add": _object("rule", chain=name, expr=[lookup])})
    # Loopback sources cannot leave the host: what the host sends to a forwarded port goes out as the
    # bridge's address. ``ct status dnat`` limits it to forwarded traffic.
    commands.append(
        {
            "add": _object(
                "rule",
                chain="postrouting",
                expr=[
                    _match(
                        {"payload": {"protocol": "ip", "field": "saddr"}},
                        {"prefix": {"addr": "127.0.0.0", "len": 8}},
                    ),
                    _match({"ct": {"key": "status"}}, "dnat", op="in"),
                    {"masquerade": None},
                ],
            )
        }
    )
    return commands + nat_out_commands()


#: Interfaces of cloudca's networks (``_xml.bridge_name``): nft matches the trailing ``*`` as a prefix.
BRIDGES = "cca*"
NAT_OUT = "nat-out"


def nat_out_commands() -> list[Command]:
    """The source NAT of cloudca's networks (see the module docstring); 110: after ``srcnat``."""
    from_network = _match({"meta": {"key": "iifname"}}, BRIDGES)
    outward = [from_network, _match({"meta": {"key": "oifname"}}, BRIDGES, op="!="), {"masquerade": None}]
    # A DNAT'd connection from a network to a network: a guest reaching a forward, balancer or
    # static NAT whose backend is on a cloudca bridge (routed). Where br_netfilter is on, a backend
    # on the guest's own bridge is bridged to instead, this hook sees no input interface and
    # conntrack undoes the DNAT of the replies by itself; a guest reaching itself that way is not
    # served (its bridge port has no hairpin mode). Bridged frames never DNAT'd are left alone.
    hairpin = [
        from_network,
        _match({"meta": {"key": "oifname"}}, BRIDGES),
        _match({"ct": {"key": "status"}}, "dnat", op="in"),
        {"masquerade": None},
    ]
    chain = _object("chain", name=NAT_OUT, type="nat", hook="postrouting", prio=110, policy="accept")
    return [
        {"add": chain},
        {"add": _object("rule", chain=NAT_OUT, expr=outward, comment="outbound")},
        {"add": _object("rule", chain=NAT_OUT, expr=hairpin, comment="hairpin")},
    ]


def prepare_commands(table: Sequence[dict[str, Any]] | None) -> list[Command]:
    """What a table lacks of the base: all of it when missing, ``nat-out`` when made by an older cloudca."""
    if table is None:
        return base_commands()
    if any(item.get("chain", {}).get("name") == NAT_OUT for item in table):
        return []
    return nat_out_commands()


def _match(left: Any, right: Any, op: str = "==") -> Command:
    return {"match": {"op": op, "left": left, "right": right}}


def _port(start: int, end: int) -> Any:
    return start if start == end else {"range": [start, end]}


def forward_rules(public_ip: str, rules: Sequence[PortForward]) -> list[Command]:
    """The rules of one public IP's chain (without the chain itself)."""
    chain = chain_name(public_ip)
    commands: list[Command] = []
    for rule in sorted(rules, key=lambda rule: (rule.protocol, rule.public_port_start, rule.rule_id)):
        protocol = rule.protocol.lower()
        if protocol not in ("tcp", "udp"):
            raise DriverError(f"rule {rule.rule_id}: protocol {rule.protocol} cannot be forwarded")
        public_count = rule.public_port_end - rule.public_port_start
        private_count = rule.private_port_end - rule.private_port_start
        if public_count != private_count:
            raise DriverError(f"rule {rule.rule_id}: public and private port ranges differ in length")
        if public_count == 0 or rule.public_port_start == rule.private_port_start:
            pairs = [
                (rule.public_port_start, rule.public_port_end, rule.private_port_start, rule.private_port_end)
            ]
        elif public_count < MAX_EXPANDED_PORTS:
            offset = rule.private_port_start - rule.public_port_start
            pairs = [
                (port, port, port + offset, port + offset)
                for port in range(rule.public_port_start, rule.public_port_end + 1)
            ]
        else:
            raise DriverError(f"rule {rule.rule_id}: a shifted range longer than {MAX_EXPANDED_PORTS} ports")
        for public_start, public_end, private_start, _private_end in pairs:
            # Same-start ranges keep the destination port (a 1:1 mapping); nft would pick any port
            # of a range given as the DNAT target.
            target: dict[str, Any] = {"addr": rule.private_ip}
            if public_start == public_end and private_start != public_start:
                target["port"] = private_start
            expr = [
                _match({"meta": {"key": "l4proto"}}, protocol),
                _match(
                    {"payload": {"protocol": protocol, "field": "dport"}}, _port(public_start, public_end)
                ),
                {"dnat": target},
            ]
            commands.append({"add": _object("rule", chain=chain, expr=expr, comment=rule.rule_id)})
    return commands


def check_no_overlap(rules: Sequence[PortForward]) -> None:
    """Two rules of one IP may not share a public port of one protocol."""
    taken: list[tuple[str, int, int, str]] = []
    for rule in rules:
        for protocol, start, end, rule_id in taken:
            if (
                protocol == rule.protocol.lower()
                and start <= rule.public_port_end
                and rule.public_port_start <= end
            ):
                raise DriverError(f"rules {rule_id} and {rule.rule_id} share public ports")
        taken.append((rule.protocol.lower(), rule.public_port_start, rule.public_port_end, rule.rule_id))


def replace_commands(
    public_ip: str, rules: Sequence[PortForward], table: Sequence[dict[str, Any]]
) -> list[Command]:
    """One transaction making ``public_ip``'s forwards exactly ``rules`` (none when they already are)."""
    added = forward_rules(public_ip, rules)
    return replace_chain(table, "public_ips", public_ip, chain_name(public_ip), added, [])


def replace_chain(
    table: Sequence[dict[str, Any]],
    verdict_map: str,
    public_ip: str,
    chain: str,
    added: list[Command],
    commands: list[Command],
) -> list[Command]:
    """``commands`` then the swap of ``public_ip``'s own ``chain`` (reached through ``verdict_map``)
    for one holding ``added``; nothing at all when the kernel holds exactly that already. With no
    ``added``, the chain and its map element go."""
    address = str(ipaddress.IPv4Address(public_ip))
    if added and is_current(table, [(verdict_map, address, chain)], added):
        return []
    if any(item.get("chain", {}).get("name") == chain for item in table):
        commands = [
            *commands,
            {"delete": _object("element", name=verdict_map, elem=[address])},
            {"flush": _object("chain", name=chain)},
            {"delete": _object("chain", name=chain)},
        ]
    if added:
        link = element(address, chain, digest(added))
        commands = [
            *commands,
            {"add": _object("chain", name=chain)},
            *added,
            {"add": _object("element", name=verdict_map, elem=link)},
        ]
    return commands


def _ports(value: Any) -> tuple[int, int]:
    if isinstance(value, dict) and "range" in value:
        return int(value["range"][0]), int(value["range"][1])
    return int(value), int(value)


def read_forwards(table: Sequence[dict[str, Any]]) -> dict[str, tuple[PortForward, ...]]:
    """The forwards that a listing of cloudca's table holds, per public IP: ``forward_rules`` read
    back (rules expanded port by port are joined again)."""
    found: dict[str, dict[str, PortForward]] = {}
    for item in table:
        rule = item.get("rule")
        if not rule or not str(rule.get("chain", "")).startswith("pub-"):
            continue
        address = rule["chain"][4:].replace("-", ".")
        protocol, public, target = "", (0, 0), {}
        for expression in rule.get("expr", []):
            match = expression.get("match", {})
            if match.get("left", {}).get("meta", {}).get("key") == "l4proto":
                protocol = str(match["right"]).upper()
            elif "payload" in match.get("left", {}):
                # nft folds the l4proto match into ``tcp dport``: the protocol is read from here.
                protocol = str(match["left"]["payload"]["protocol"]).upper()
                public = _ports(match["right"])
            elif "dnat" in expression:
                target = expression["dnat"]
        private_start = int(target.get("port", public[0]))
        forward = PortForward(
            rule_id=str(rule.get("comment", "")),
            protocol=protocol,
            public_port_start=public[0],
            public_port_end=public[1],
            private_ip=str(target.get("addr", "")),
            private_port_start=private_start,
            private_port_end=private_start + public[1] - public[0],
        )
        rules = found.setdefault(address, {})
        earlier = rules.get(forward.rule_id)
        if earlier is not None:  # One port of an expanded range.
            forward = replace(
                earlier,
                public_port_end=max(earlier.public_port_end, forward.public_port_end),
                private_port_end=max(earlier.private_port_end, forward.private_port_end),
            )
        rules[forward.rule_id] = forward
    return {address: tuple(rules.values()) for address, rules in found.items()}


class Firewall:
    """Runs ``nft -j``; ``command`` may prefix it (``ip netns exec NAME nft``)."""

    def __init__(self, command: Sequence[str] = ("nft",)) -> None:
        self._command = tuple(command)
        self._lock = asyncio.Lock()

    async def _run(self, *arguments: str) -> str:
        # The JSON goes as an argument, since nft cannot read /dev/stdin when it is a socket.
        return await run_tool("nft", [*self._command, "-j", *arguments], seconds=30)

    async def _apply(self, commands: list[Command]) -> None:
        if commands:
            await self._run(json.dumps({"nftables": [{"metainfo": {"json_schema_version": 1}}, *commands]}))

    async def _table(self) -> list[dict[str, Any]] | None:
        """The objects of cloudca's table, or ``None`` when it does not exist."""
        try:
            listing = await self._run("list", "table", FAMILY, TABLE)
        except DriverError as exc:
            if "No such file or directory" in str(exc):
                return None
            raise
        return list(json.loads(listing).get("nftables", []))

    async def _prepared(self) -> list[dict[str, Any]]:
        """The table, with what it lacks of the base added first (the whole table when missing)."""
        table = await self._table()
        missing = prepare_commands(table)
        if missing:
            await self._apply(missing)
            table = await self._table()
        return table or []

    async def ensure(self) -> None:
        async with self._lock:
            await self._prepared()

    async def set_forwards(self, public_ip: str, rules: Sequence[PortForward]) -> None:
        check_no_overlap(rules)
        forward_rules(public_ip, rules)  # Refuses bad rules before anything is touched.
        await self.change(lambda table: replace_commands(public_ip, rules, table))

    async def change(self, build: Callable[[list[dict[str, Any]]], list[Command]]) -> None:
        """One transaction of a part of the table (forwards, ACLs, balancers): ``build`` gets the table
        as it is (its base completed first) and returns the commands, applied under this firewall's
        lock; none when the kernel already has what ``build`` would write."""
        async with self._lock:
            await self._apply(build(await self._prepared()))

    async def forwards(self) -> dict[str, tuple[PortForward, ...]]:
        """The forwards of every public IP as the kernel has them (for checks and tests)."""
        return read_forwards(await self._table() or [])

    async def remove_all(self) -> None:
        """Delete cloudca's table (purge of a whole installation, and tests)."""
        async with self._lock:
            if await self._table() is not None:
                await self._apply([{"delete": {"table": {"family": FAMILY, "name": TABLE}}}])
