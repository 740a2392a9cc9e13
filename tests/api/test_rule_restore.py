"""A start restores the network rules of a backend that applies them on its host (a host that
rebooted lost them): forwards, balancers and ACLs come back from the database, each refusal is
logged without stopping the start, and a backend that only records rules is not asked.

The simulator plays the host here: a fresh simulator after a restart has no rules, like a host's
kernel after a reboot. Real packets through restored nftables rules are
tests/drivers/test_libvirt_restore_traffic.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from cloudca.server.bootstrap import seeded_id
from cloudca.server.drivers.base import DriverError
from cloudca.server.drivers.rules import AclRule
from cloudca.server.drivers.simulator import FaultPlan, SimulatorDriver
from tests.api.conftest import ServeFactory, Server
from tests.support import BASE


class RuleApplyingSimulator(SimulatorDriver):
    """The simulator, declaring that it applies forwards, ACLs and balancers on a host."""

    capabilities = replace(
        SimulatorDriver.capabilities, forwards_ports=True, enforces_network_acls=True, balances_load=True
    )


class RefusingOneNetwork(RuleApplyingSimulator):
    """Refuses to filter one network (a rule the host cannot apply)."""

    def __init__(self, network_id: str) -> None:
        super().__init__()
        self.refused = network_id

    async def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        if network_id == self.refused:
            raise DriverError(f"network {network_id} cannot be filtered here")
        await super().set_network_acl(network_id, cidr, rules)


def rules_of(driver: SimulatorDriver, world: dict[str, Any]) -> tuple[Any, ...]:
    """Every rule the driver holds for the test's public IPs and network."""
    forwarded, balanced = world["forwarded"], world["balanced"]
    return (
        driver.port_forwards(forwarded),
        driver.load_balancers(balanced),
        driver.network_acl(world["network"]),
    )


async def _world(server: Server, catalog: dict[str, Any]) -> dict[str, Any]:
    """A load-balanced network filtered by an ACL of the test's own, an instance on it with port 22
    forwarded, and a public IP balancing port 80 to it."""
    api = server.api
    acl = await api.succeeded(
        await api.http.post(
            f"{BASE}/networkacls", json={"name": "web", "description": "web tier", "vpcId": catalog["vpc"]}
        )
    )
    rule = {"networkAclId": acl["id"], "cidr": "0.0.0.0/0", "trafficType": "Ingress", "protocol": "TCP"}
    rule |= {"ruleNumber": 1, "action": "Allow", "startPort": 22, "endPort": 22}
    await api.succeeded(await api.http.post(f"{BASE}/networkaclrules", json=rule))
    network = {
        "name": "lb-tier",
        "description": "web servers",
        "vpcId": catalog["vpc"],
        "networkOfferingId": seeded_id("networkOffering", "Load Balanced Network"),
        "networkAclId": acl["id"],
    }
    network_id = (await api.succeeded(await api.http.post(f"{BASE}/networks", json=network)))["id"]
    instance = await api.create_instance(catalog, name="web1", networkId=network_id, portsToForward=["22"])
    ip = await api.succeeded(await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]}))
    balancer = {
        "name": "web",
        "publicIpId": ip["id"],
        "networkId": network_id,
        "publicPort": "80",
        "privatePort": 8080,
        "algorithm": "roundrobin",
        "protocol": "tcp",
        "instanceIds": [instance["id"]],
    }
    await api.succeeded(await api.http.post(f"{BASE}/loadbalancerrules", json=balancer))
    listed = (await api.http.get(f"{BASE}/publicipaddresses")).json()["data"]
    [forwarded] = [entry["ipAddress"] for entry in listed if "PORT_FORWARDING" in entry.get("purposes", [])]
    return {"forwarded": forwarded, "balanced": ip["ipAddress"], "network": network_id}


async def test_a_start_gives_a_rule_applying_backend_every_rule_the_database_holds(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve(driver=RuleApplyingSimulator()) as server:
        world = await _world(server, catalog)
        before = rules_of(server.simulator, world)
    assert all(before)  # A forward, a balancer, an ACL rule: each really there to lose.

    async with serve(driver=RuleApplyingSimulator()) as restarted:  # A rebooted host: no rules.
        assert rules_of(restarted.simulator, world) == before


async def test_a_refused_object_is_logged_and_the_others_are_restored(
    serve: ServeFactory, catalog: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(driver=RuleApplyingSimulator()) as server:
        world = await _world(server, catalog)
        before = rules_of(server.simulator, world)

    async with serve(driver=RefusingOneNetwork(world["network"])) as restarted:
        forwards, balancers, acl = rules_of(restarted.simulator, world)
        assert (forwards, balancers) == before[:2]
        assert acl is None  # Refused at start; its next change (or start) brings it.
        # The networks after it (the seeded ones) were restored all the same.
        assert restarted.simulator.network_acl(catalog["network"]) is not None
        assert (await restarted.http.get(f"{BASE}/instances")).status_code == 200
    assert any("could not be restored" in record.getMessage() for record in caplog.records)


async def test_a_backend_that_only_records_rules_is_not_asked(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve(driver=RuleApplyingSimulator()) as server:
        world = await _world(server, catalog)

    # The plan fails the next forward change: nothing at start may use it up.
    recording = SimulatorDriver(fault_plan=FaultPlan(counts={"set_port_forwarding": 1}))
    async with serve(driver=recording) as restarted:
        assert rules_of(restarted.simulator, world) == ((), (), None)
        body = {
            "name": "web2",
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
            "portsToForward": ["2222"],
        }
        task = await restarted.api.finished(await restarted.http.post(f"{BASE}/instances", json=body))
        assert task["taskStatus"] == "FAILED"
