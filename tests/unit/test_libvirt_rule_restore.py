"""The libvirt driver writes a chain only when the kernel lacks it or holds it otherwise, and a table
made by an older cloudca (or none at all) gets the base it lacks: the pure parts, on listings
shaped as ``nft -j list table`` gives them. Real packets after a flush and a restore are
tests/drivers/test_libvirt_restore_traffic.py's."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward

pytest.importorskip("libvirt", reason="the libvirt driver's package imports libvirt-python")

from cloudca.server.drivers.libvirt import _acl, _balancer, _firewall

NETWORK, CIDR = "0f6e2c4a-9d1b-4c3e-8a5f-7b2d1e0c9a88", "10.42.0.0/24"
PUBLIC_IP = "203.0.113.9"
FORWARD = PortForward("ssh", "TCP", 22, 22, "10.42.0.2", 22, 22)
BALANCER = LoadBalancer("web", "tcp", 80, 8080, "roundrobin", ("10.42.0.2", "10.42.0.3"))
ACL = [AclRule("allow-web", 10, "allow", "tcp", "ingress", "0.0.0.0/0", 80, 80)]


def listed(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What ``nft -j list table`` shows after ``commands`` ran on an empty table (the parts read)."""
    table: list[dict[str, Any]] = []
    maps: dict[str, dict[str, Any]] = {}
    for command in commands:
        added = command.get("add", {})
        for kind in ("map", "chain", "rule"):
            if kind in added:
                item = {kind: dict(added[kind])}
                table.append(item)
                if kind == "map":
                    maps[added["map"]["name"]] = item["map"]
        if "element" in added:
            maps[added["element"]["name"]].setdefault("elem", []).extend(added["element"]["elem"])
    return table


def without_rule(table: list[dict[str, Any]], chain: str) -> list[dict[str, Any]]:
    """The table with the last rule of ``chain`` deleted (by hand, say)."""
    index = max(i for i, item in enumerate(table) if item.get("rule", {}).get("chain") == chain)
    return table[:index] + table[index + 1 :]


def uncommented(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table as an older cloudca wrote it: map elements without fingerprints."""
    result = []
    for item in table:
        if "map" in item and "elem" in item["map"]:
            elements = [[key["elem"]["val"], verdict] for key, verdict in item["map"]["elem"]]
            item = {"map": {**item["map"], "elem": elements}}
        result.append(item)
    return result


def forwards(rules: list[PortForward], table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _firewall.replace_commands(PUBLIC_IP, rules, table)


def balancers(rules: list[LoadBalancer], table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _balancer.replace_commands(PUBLIC_IP, rules, table)


def acls(rules: list[AclRule], table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _acl.replace_commands(NETWORK, CIDR, rules, table)


#: (the function writing them, rules, a chain they write, the same rules with one field changed)
CASES = [
    pytest.param(
        forwards, [FORWARD], "pub-203-0-113-9", [replace(FORWARD, private_ip="10.42.0.3")], id="fwd"
    ),
    pytest.param(
        balancers, [BALANCER], "lb-203-0-113-9", [replace(BALANCER, backends=("10.42.0.2",))], id="lb"
    ),
    pytest.param(acls, ACL, _acl.chain_names(NETWORK)[0], [replace(ACL[0], action="deny")], id="acl"),
]
FIELDS = ("write", "rules", "chain", "changed")


@pytest.mark.parametrize(FIELDS, CASES)
def test_what_the_kernel_already_holds_is_not_written_again(
    write: Any, rules: Any, chain: str, changed: Any
) -> None:
    table = listed(_firewall.base_commands() + write(rules, listed(_firewall.base_commands())))

    assert write(rules, table) == []


@pytest.mark.parametrize(FIELDS, CASES)
def test_a_missing_rule_an_older_table_or_other_rules_are_written_whole(
    write: Any, rules: Any, chain: str, changed: Any
) -> None:
    table = listed(_firewall.base_commands() + write(rules, listed(_firewall.base_commands())))
    rewritten = [next(iter(command)) for command in write(rules, without_rule(table, chain))]

    assert rewritten[0] == "delete" and "add" in rewritten  # Replaced in one transaction.
    assert write(rules, uncommented(table)) != []
    assert write(changed, table) != []


def test_a_missing_table_gets_the_whole_base_and_an_older_one_only_the_source_nat() -> None:
    whole = _firewall.prepare_commands(None)
    older = listed(_firewall.base_commands()[:-3])  # Without the three commands of nat-out.

    added = _firewall.prepare_commands(older)

    assert whole[0] == {"add": {"table": {"family": "ip", "name": "cloudca"}}}
    assert added == _firewall.nat_out_commands()
    assert _firewall.prepare_commands(listed(_firewall.base_commands())) == []


def test_the_networks_source_nat_comes_after_static_nats() -> None:
    """The first NAT of a connection wins: a static NAT's SNAT (in ``postrouting``) must run before
    the networks' masquerade."""
    chains = {
        command["add"]["chain"]["name"]: command["add"]["chain"]
        for command in _firewall.base_commands()
        if "chain" in command.get("add", {})
    }

    assert chains["nat-out"]["hook"] == chains["postrouting"]["hook"] == "postrouting"
    assert chains["nat-out"]["prio"] > chains["postrouting"]["prio"]
