"""ACL rules and load balancers as nftables JSON: the libvirt driver's pure translation (no libvirt,
no nft). That the kernel takes these commands is the driver contract suite's (tests/drivers); that
they filter and balance real traffic is tests/e2e/test_libvirt_network_rules.py's."""

from __future__ import annotations

from typing import Any

import pytest

from cloudca.server.drivers.base import DriverError
from cloudca.server.drivers.rules import AclRule, LoadBalancer

pytest.importorskip("libvirt", reason="the libvirt driver's package imports libvirt-python")

from cloudca.server.drivers.libvirt import _acl, _balancer
from cloudca.server.drivers.libvirt._xml import bridge_name

NETWORK = "0f6e2c4a-9d1b-4c3e-8a5f-7b2d1e0c9a88"
INGRESS, EGRESS = _acl.chain_names(NETWORK)
CIDR = "10.42.0.0/24"


def acl_rule(number: int, action: str = "allow", protocol: str = "tcp", **fields: Any) -> AclRule:
    values: dict[str, Any] = {"traffic_type": "ingress", "cidr": "0.0.0.0/0"}
    if protocol in ("tcp", "udp"):
        values |= {"start_port": 80, "end_port": 80}
    values |= fields
    return AclRule(rule_id=f"rule-{number}", rule_number=number, action=action, protocol=protocol, **values)


def added_rules(commands: list[dict[str, Any]]) -> list[tuple[str, str, list[Any]]]:
    """(chain, comment, expression) of each rule the commands add, in order."""
    rules = [command["add"]["rule"] for command in commands if "rule" in command.get("add", {})]
    return [(rule["chain"], rule.get("comment", ""), rule["expr"]) for rule in rules]


def match(field: tuple[str, str], right: Any) -> dict[str, Any]:
    return {
        "match": {"op": "==", "left": {"payload": {"protocol": field[0], "field": field[1]}}, "right": right}
    }


# -- ACLs ------------------------------------------------------------------------------------------------


def test_rules_go_to_their_direction_in_rule_number_order_and_ingress_ends_in_drop() -> None:
    rules = [
        acl_rule(30, "deny", traffic_type="egress"),
        acl_rule(20, "deny"),
        acl_rule(10),
        acl_rule(5, "allow", "all", traffic_type="egress"),
    ]

    added = added_rules(_acl.chain_rules(NETWORK, CIDR, rules))

    assert [(chain, comment) for chain, comment, _ in added] == [
        (INGRESS, "network"),
        (EGRESS, "network"),
        (EGRESS, "5:rule-5"),
        (INGRESS, "10:rule-10"),
        (INGRESS, "20:rule-20"),
        (EGRESS, "30:rule-30"),
        (INGRESS, "default"),
    ]
    assert added[-1][2] == [{"drop": None}]
    within = {"prefix": {"addr": "10.42.0.0", "len": 24}}
    assert added[0][2] == [match(("ip", "saddr"), within), {"accept": None}]
    assert added[1][2] == [match(("ip", "daddr"), within), {"accept": None}]


def test_an_ingress_rule_matches_its_source_cidr_protocol_and_port_range() -> None:
    rule = acl_rule(1, "deny", "udp", cidr="192.0.2.0/24", start_port=1000, end_port=2000)

    assert _acl.rule_expression(rule) == [
        match(("ip", "saddr"), {"prefix": {"addr": "192.0.2.0", "len": 24}}),
        match(("udp", "dport"), {"range": [1000, 2000]}),
        {"drop": None},
    ]


def test_an_egress_rule_matches_its_destination_and_everywhere_matches_no_address() -> None:
    single = acl_rule(1, "allow", "tcp", traffic_type="egress", cidr="198.51.100.7/32")
    everywhere = acl_rule(2, "deny", "all", traffic_type="egress")

    assert _acl.rule_expression(single) == [
        match(("ip", "daddr"), "198.51.100.7"),
        match(("tcp", "dport"), 80),
        {"accept": None},
    ]
    assert _acl.rule_expression(everywhere) == [{"drop": None}]


@pytest.mark.parametrize(
    ("icmp_type", "icmp_code", "matched"),
    [
        (-1, -1, []),
        (8, -1, [match(("icmp", "type"), 8)]),
        (3, 4, [match(("icmp", "type"), 3), match(("icmp", "code"), 4)]),
    ],
)
def test_icmp_matches_its_type_and_code_where_not_any(
    icmp_type: int, icmp_code: int, matched: list[Any]
) -> None:
    rule = acl_rule(1, "allow", "icmp", icmp_type=icmp_type, icmp_code=icmp_code)

    protocol = {"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "icmp"}}
    assert _acl.rule_expression(rule) == [protocol, *matched, {"accept": None}]


def test_a_change_replaces_the_networks_chains_in_one_transaction_and_none_removes_them() -> None:
    first = _acl.replace_commands(NETWORK, CIDR, [acl_rule(1)], [])
    table = [{"map": {"name": "acl_ingress"}}, {"chain": {"name": INGRESS}}, {"chain": {"name": EGRESS}}]

    second = _acl.replace_commands(NETWORK, CIDR, [acl_rule(2)], table)
    removal = _acl.replace_commands(NETWORK, CIDR, None, table)

    assert any(command.get("add", {}).get("chain", {}).get("name") == "acl-ingress" for command in first)
    assert not any(command.get("add", {}).get("chain", {}).get("hook") for command in second)
    deleted = [next(iter(command["delete"])) for command in second if "delete" in command]
    assert deleted == ["element", "chain", "element", "chain"]
    assert [chain for chain, _, _ in added_rules(second)] == [INGRESS, EGRESS, INGRESS, INGRESS]
    assert [next(iter(command)) for command in removal] == ["delete", "flush", "delete"] * 2
    elements = [
        command["delete"]["element"]["elem"] for command in removal if "element" in command.get("delete", {})
    ]
    assert elements == [[bridge_name(NETWORK)]] * 2


def test_the_rule_ids_read_back_follow_the_chains() -> None:
    table = [
        {"chain": {"name": INGRESS}},
        {"rule": {"chain": INGRESS, "comment": "1:a"}},
        {"rule": {"chain": EGRESS, "comment": "2:b"}},
        {"rule": {"chain": INGRESS, "comment": "3:c"}},
        {"rule": {"chain": INGRESS, "comment": "default"}},
    ]

    assert _acl.read_rule_ids(table, NETWORK) == ("a", "c", "b")
    assert _acl.read_rule_ids([], NETWORK) is None


# -- load balancers --------------------------------------------------------------------------------------

PUBLIC_IP = "203.0.113.9"


def lb(
    algorithm: str = "roundrobin", backends: tuple[str, ...] = ("10.0.0.2", "10.0.0.3"), **fields: Any
) -> LoadBalancer:
    return LoadBalancer(
        fields.pop("rule_id", "lb"), fields.pop("protocol", "tcp"), 80, 8080, algorithm, backends, **fields
    )


def dnat(balancer: LoadBalancer) -> Any:
    (_, comment, expr), *_ = added_rules(_balancer.balancer_rules(PUBLIC_IP, [balancer]))
    assert comment == balancer.rule_id
    assert expr[0] == match((balancer.protocol, "dport"), 80)
    return expr[1]


def test_round_robin_takes_the_backends_in_turn() -> None:
    numgen = {"numgen": {"mode": "inc", "mod": 2, "offset": 0}}
    assert dnat(lb()) == {
        "dnat": {
            "addr": {"map": {"key": numgen, "data": {"set": [[0, "10.0.0.2"], [1, "10.0.0.3"]]}}},
            "port": 8080,
        }
    }


@pytest.mark.parametrize(
    "balancer", [lb("source"), lb("roundrobin", stickiness_method="SourceBased")], ids=["source", "sticky"]
)
def test_source_and_source_stickiness_hash_the_clients_address(balancer: LoadBalancer) -> None:
    key = dnat(balancer)["dnat"]["addr"]["map"]["key"]
    assert key == {"jhash": {"mod": 2, "seed": 0, "expr": {"payload": {"protocol": "ip", "field": "saddr"}}}}


def test_one_backend_is_a_plain_dnat_and_none_drops() -> None:
    assert dnat(lb(backends=("10.0.0.2",))) == {"dnat": {"addr": "10.0.0.2", "port": 8080}}
    assert dnat(lb(protocol="udp", backends=())) == {"drop": None}


@pytest.mark.parametrize(
    "balancer",
    [
        lb("leastconn"),
        lb(stickiness_method="LbCookie"),
        lb(stickiness_method="AppCookie"),
        lb(protocol="ssl"),
        lb(protocol="tcp-proxy"),
    ],
    ids=["leastconn", "LbCookie", "AppCookie", "ssl", "tcp-proxy"],
)
def test_what_a_layer_4_balancer_cannot_honour_is_refused(balancer: LoadBalancer) -> None:
    with pytest.raises(DriverError, match="cannot be applied"):
        _balancer.check_supported([balancer])


def test_balancers_replace_the_ips_chain_and_add_the_map_to_an_older_table() -> None:
    older = [{"map": {"name": "public_ips"}}]

    commands = _balancer.replace_commands(PUBLIC_IP, [lb()], older)
    removal = _balancer.replace_commands(
        PUBLIC_IP, [], [{"map": {"name": "balanced_ips"}}, {"chain": {"name": "lb-203-0-113-9"}}]
    )

    lookups = [rule for rule in added_rules(commands) if "vmap" in rule[2][0]]
    assert [chain for chain, _, _ in lookups] == ["prerouting", "output"]
    [[key, verdict]] = commands[-1]["add"]["element"]["elem"]
    assert (key["elem"]["val"], verdict) == (PUBLIC_IP, {"jump": {"target": "lb-203-0-113-9"}})
    assert [next(iter(command)) for command in removal] == ["delete", "flush", "delete"]
    table = [{"rule": {"chain": "lb-203-0-113-9", "comment": "lb", "expr": [{}, dnat(lb())]}}]
    assert _balancer.read_backends(table, PUBLIC_IP) == {"lb": ("10.0.0.2", "10.0.0.3")}
