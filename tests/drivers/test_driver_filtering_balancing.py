"""The contract of ``set_network_acl`` and ``set_load_balancing``, for every driver (``conftest.DRIVERS``).

What a driver enforces is declared in its capabilities; these tests check what every driver must
do whatever it enforces: keep exactly the rules it was given, in ``rule_number`` order, refuse what
cannot be applied and keep the previous rules on any failure.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cloudca.server.drivers.base import ComputeDriver, DriverError
from cloudca.server.drivers.rules import AclRule, LoadBalancer
from cloudca.server.drivers.simulator import SimulatorDriver

NETWORK, CIDR = "network-1", "10.42.0.0/24"
PUBLIC_IP = "203.0.113.20"
Backends = tuple[str, ...]


def rule(rule_id: str, number: int, action: str = "allow", protocol: str = "tcp", **fields: int) -> AclRule:
    """An ingress rule from anywhere: tcp/udp on port 80, icmp of any type, or as ``fields`` say."""
    ports = {"start_port": 80, "end_port": 80} if protocol in ("tcp", "udp") else {}
    icmp = {"icmp_type": -1, "icmp_code": -1} if protocol == "icmp" else {}
    return AclRule(rule_id, number, action, protocol, "ingress", "0.0.0.0/0", **{**ports, **icmp, **fields})


def balancer(rule_id: str = "lb", port: int = 80, backends: Backends = ("10.42.0.2",)) -> LoadBalancer:
    return LoadBalancer(rule_id, "tcp", port, 8080, "roundrobin", backends)


async def test_capabilities_declare_filtering_and_balancing(driver: ComputeDriver) -> None:
    capabilities = driver.capabilities
    assert isinstance(capabilities.enforces_network_acls, bool)
    assert isinstance(capabilities.balances_load, bool)
    assert isinstance(capabilities.remote_access_vpn, bool)


# -- network ACLs ----------------------------------------------------------------------------------------


async def test_set_network_acl_applies_exactly_the_rules_in_rule_number_order(driver, probe) -> None:
    deny, allow = rule("deny-80", 2, "deny"), rule("allow-80", 1)

    await driver.set_network_acl(NETWORK, CIDR, [deny, allow])
    assert probe.network_acl(NETWORK) == (allow, deny)

    await driver.set_network_acl(NETWORK, CIDR, [deny])
    assert probe.network_acl(NETWORK) == (deny,)


async def test_set_network_acl_is_idempotent_and_networks_are_separate(driver, probe) -> None:
    first, second = rule("a", 1), rule("b", 1, protocol="all")

    await driver.set_network_acl(NETWORK, CIDR, [first])
    await driver.set_network_acl(NETWORK, CIDR, [first])
    await driver.set_network_acl("network-2", "10.42.1.0/24", [second])

    assert probe.network_acl(NETWORK) == (first,)
    assert probe.network_acl("network-2") == (second,)


async def test_an_empty_acl_is_kept_and_none_removes_the_filtering(driver, probe) -> None:
    await driver.set_network_acl(NETWORK, CIDR, [])
    assert probe.network_acl(NETWORK) == ()

    await driver.set_network_acl(NETWORK, CIDR, None)
    await driver.set_network_acl("never-filtered", CIDR, None)
    assert probe.network_acl(NETWORK) is None


@pytest.mark.parametrize(
    "bad",
    [
        rule("ports-on-all", 1, protocol="all", start_port=1, end_port=2),
        rule("icmp-on-tcp", 1, icmp_type=8, icmp_code=0),
        rule("reversed-ports", 1, start_port=90, end_port=80),
        rule("unknown-protocol", 1, protocol="gre"),
        AclRule("bad-cidr", 1, "allow", "all", "ingress", "10.0.0.0/33"),
    ],
    ids=lambda r: r.rule_id,
)
async def test_a_rule_that_cannot_be_applied_is_refused_and_the_old_rules_stay(driver, probe, bad) -> None:
    old = rule("old", 1)
    await driver.set_network_acl(NETWORK, CIDR, [old])

    with pytest.raises(DriverError):
        await driver.set_network_acl(NETWORK, CIDR, [bad])

    assert probe.network_acl(NETWORK) == (old,)


async def test_two_rules_with_one_number_are_refused(driver, probe) -> None:
    with pytest.raises(DriverError):
        await driver.set_network_acl(NETWORK, CIDR, [rule("a", 1), rule("b", 1, protocol="all")])
    assert probe.network_acl(NETWORK) is None


async def test_a_failed_acl_change_keeps_the_old_rules(driver, probe) -> None:
    old = rule("old", 1)
    await driver.set_network_acl(NETWORK, CIDR, [old])
    probe.fail_next("set_network_acl")

    with pytest.raises(DriverError):
        await driver.set_network_acl(NETWORK, CIDR, [])

    assert probe.network_acl(NETWORK) == (old,)
    await driver.set_network_acl(NETWORK, CIDR, [])  # the retry succeeds
    assert probe.network_acl(NETWORK) == ()


# -- load balancing --------------------------------------------------------------------------------------


async def test_set_load_balancing_makes_the_balancers_exactly_those(driver, probe) -> None:
    web = balancer("web", 80, ("10.42.0.2", "10.42.0.3"))
    sticky = (("cookieName", "c"),)
    tls = LoadBalancer("tls", "tcp", 443, 443, "source", ("10.42.0.2",), "SourceBased", sticky)

    await driver.set_load_balancing(PUBLIC_IP, [web, tls])
    assert set(probe.load_balancers(PUBLIC_IP)) == {web, tls}

    await driver.set_load_balancing(PUBLIC_IP, [tls])
    await driver.set_load_balancing(PUBLIC_IP, [tls])
    assert probe.load_balancers(PUBLIC_IP) == (tls,)


@pytest.mark.parametrize(
    "words",
    [
        {"algorithm": "leastconn"},
        {"stickiness_method": "LbCookie"},
        {"stickiness_method": "AppCookie"},
        {"protocol": "tcp-proxy"},
        {"protocol": "ssl"},
    ],
    ids=lambda words: next(iter(words.values())),
)
async def test_every_method_of_the_contract_is_applied_or_declared_refused(driver, probe, words) -> None:
    """A driver applies each protocol, algorithm and stickiness method of 6.12 or refuses it as
    ``capabilities.balancing_refuses`` says; it never applies something else silently."""
    rule = replace(balancer("web", 80, ("10.42.0.2", "10.42.0.3")), **words)
    refused = set(words.values()) & driver.capabilities.balancing_refuses

    if refused:
        with pytest.raises(DriverError, match=next(iter(refused))):
            await driver.set_load_balancing(PUBLIC_IP, [rule])
        assert probe.load_balancers(PUBLIC_IP) == ()
    else:
        await driver.set_load_balancing(PUBLIC_IP, [rule])
        assert probe.load_balancers(PUBLIC_IP) == (rule,)


async def test_a_balancer_without_backends_is_kept_and_an_empty_list_removes_all(driver, probe) -> None:
    await driver.set_load_balancing(PUBLIC_IP, [balancer(backends=())])
    assert probe.load_balancers(PUBLIC_IP) == (balancer(backends=()),)

    await driver.set_load_balancing(PUBLIC_IP, [])
    await driver.set_load_balancing("203.0.113.99", [])
    assert probe.load_balancers(PUBLIC_IP) == ()


@pytest.mark.parametrize(
    "bad",
    [
        [balancer("a", 80), balancer("b", 80)],
        [LoadBalancer("odd", "tcp", 80, 80, "random", ())],
        [LoadBalancer("port", "tcp", 0, 80, "source", ())],
        [balancer(backends=("10.42.0.2", "10.42.0.2"))],
    ],
    ids=["same-public-port", "unknown-algorithm", "port-zero", "backend-twice"],
)
async def test_balancers_that_cannot_be_applied_are_refused_and_the_old_stay(driver, probe, bad) -> None:
    old = balancer("old", 22)
    await driver.set_load_balancing(PUBLIC_IP, [old])

    with pytest.raises(DriverError):
        await driver.set_load_balancing(PUBLIC_IP, bad)

    assert probe.load_balancers(PUBLIC_IP) == (old,)


async def test_a_failed_balancing_change_keeps_the_old_balancers(driver, probe) -> None:
    old = balancer("old")
    await driver.set_load_balancing(PUBLIC_IP, [old])
    probe.fail_next("set_load_balancing")

    with pytest.raises(DriverError):
        await driver.set_load_balancing(PUBLIC_IP, [])

    assert probe.load_balancers(PUBLIC_IP) == (old,)


# -- the simulator in shared mode keeps the same books ---------------------------------------------------


async def test_a_shared_simulator_keeps_acls_and_balancers_like_a_private_one() -> None:
    """Each call carries a whole table, so a process's books are complete without the others'."""
    for shared in (False, True):
        simulator = SimulatorDriver(shared=shared)
        await simulator.set_network_acl(NETWORK, CIDR, [rule("b", 2, "deny"), rule("a", 1)])
        await simulator.set_load_balancing(PUBLIC_IP, [balancer()])
        assert [r.rule_id for r in simulator.network_acl(NETWORK) or ()] == ["a", "b"]
        assert simulator.load_balancers(PUBLIC_IP) == (balancer(),)
        with pytest.raises(DriverError):
            await simulator.set_load_balancing(PUBLIC_IP, [balancer("x"), balancer("y")])
        await simulator.close()
