"""Static NAT of public IPs as two nftables maps in cloudca's table (see ``_firewall``).

- ``static_nat`` (public -> private): ``prerouting`` and ``output`` DNAT every packet to a public IP
  in it, whatever its protocol and port, after the port forwards' lookup (an address has either);
- ``static_nat_sources`` (private -> public): ``postrouting`` SNATs what the private IP sends out
  of the host's other interfaces; traffic between cloudca's bridges (``cca*``) keeps its address.

Maps rather than a chain per address: one change is two element updates in one transaction, and
the kernel's state reads back as the control plane's pairs. The building functions are pure.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from cloudca.server.drivers.base import DriverError

from ._firewall import FAMILY, TABLE, Command

MAP = "static_nat"
SOURCES = "static_nat_sources"
#: Interfaces of cloudca's networks (``_xml.bridge_name``): nft matches the trailing ``*`` as a prefix.
BRIDGES = "cca*"


def _object(kind: str, **fields: Any) -> Command:
    return {kind: {"family": FAMILY, "table": TABLE, **fields}}


def _lookup(field: str, map_name: str) -> Any:
    return {"map": {"key": {"payload": {"protocol": "ip", "field": field}}, "data": f"@{map_name}"}}


def setup_commands() -> list[Command]:
    """The maps and the three rules that use them (added once, after the base chains' rules)."""
    commands: list[Command] = [
        {"add": _object("map", name=name, type="ipv4_addr", map="ipv4_addr")} for name in (MAP, SOURCES)
    ]
    for chain in ("prerouting", "output"):
        dnat = {"dnat": {"addr": _lookup("daddr", MAP)}}
        commands.append({"add": _object("rule", chain=chain, expr=[dnat])})
    outward = {"match": {"op": "!=", "left": {"meta": {"key": "oifname"}}, "right": BRIDGES}}
    snat = {"snat": {"addr": _lookup("saddr", SOURCES)}}
    commands.append({"add": _object("rule", chain="postrouting", expr=[outward, snat])})
    return commands


def _elements(table: list[dict[str, Any]]) -> dict[str, dict[str, str]] | None:
    """The pairs of both maps, or ``None`` when the table does not have them yet."""
    maps: dict[str, dict[str, str]] = {}
    for item in table:
        found = item.get("map")
        if found and found.get("name") in (MAP, SOURCES):
            maps[found["name"]] = {str(key): str(value) for key, value in found.get("elem", [])}
    return maps if len(maps) == 2 else None


def read_static_nat(table: list[dict[str, Any]]) -> dict[str, str]:
    """Public IP -> private IP, as a listing of cloudca's table holds them."""
    return dict((_elements(table) or {}).get(MAP, {}))


def _element(verb: str, map_name: str, key: str, value: str | None = None) -> Command:
    return {verb: _object("element", name=map_name, elem=[key if value is None else [key, value]])}


def static_nat_commands(table: list[dict[str, Any]], public_ip: str, private_ip: str | None) -> list[Command]:
    """One transaction making ``public_ip`` the static NAT address of ``private_ip`` (``None``: of none)."""
    for address in (public_ip, private_ip):
        if address is not None:
            try:
                ipaddress.IPv4Address(address)
            except ValueError as exc:
                raise DriverError(f"static NAT: {address!r} is not an IPv4 address") from exc
    maps = _elements(table)
    commands = setup_commands() if maps is None else []
    targets, sources = (maps or {}).get(MAP, {}), (maps or {}).get(SOURCES, {})
    current = targets.get(public_ip)
    if current == private_ip and (private_ip is None or sources.get(private_ip) == public_ip):
        return commands
    if current is not None:
        commands.append(_element("delete", MAP, public_ip))
        if sources.get(current) == public_ip:
            commands.append(_element("delete", SOURCES, current))
    if private_ip is not None:
        if private_ip in sources:  # A stale pairing (the same one was handled above).
            commands.append(_element("delete", SOURCES, private_ip))
        commands.append(_element("add", MAP, public_ip, private_ip))
        commands.append(_element("add", SOURCES, private_ip, public_ip))
    return commands
