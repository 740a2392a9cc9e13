"""The contract of ``set_static_nat`` (drivers/base.py), for every driver: a public IP is the static
NAT address of exactly the private IP last given, changes are idempotent, and forwards of other
addresses are untouched."""

from __future__ import annotations

import pytest

from cloudca.server.drivers.base import DriverError
from cloudca.server.drivers.rules import PortForward

PUBLIC, OTHER = "203.0.113.20", "203.0.113.21"


async def test_static_nat_sends_the_public_ip_to_the_private_ip(driver, probe):
    await driver.set_static_nat(PUBLIC, "10.42.0.5")

    assert probe.static_nat(PUBLIC) == "10.42.0.5"
    assert probe.static_nat(OTHER) is None


async def test_static_nat_is_idempotent_and_moves_to_another_private_ip(driver, probe):
    await driver.set_static_nat(PUBLIC, "10.42.0.5")
    await driver.set_static_nat(PUBLIC, "10.42.0.5")
    assert probe.static_nat(PUBLIC) == "10.42.0.5"

    await driver.set_static_nat(PUBLIC, "10.42.0.6")
    assert probe.static_nat(PUBLIC) == "10.42.0.6"


async def test_none_removes_the_static_nat_and_removing_nothing_succeeds(driver, probe):
    await driver.set_static_nat(PUBLIC, "10.42.0.5")
    await driver.set_static_nat(OTHER, "10.42.0.7")

    await driver.set_static_nat(PUBLIC, None)
    await driver.set_static_nat("203.0.113.99", None)

    assert probe.static_nat(PUBLIC) is None
    assert probe.static_nat(OTHER) == "10.42.0.7"


async def test_static_nat_leaves_the_forwards_of_other_addresses_alone(driver, probe):
    ssh = PortForward("rule-ssh", "TCP", 2222, 2222, "10.42.0.2", 22, 22)
    await driver.set_port_forwarding(OTHER, [ssh])

    await driver.set_static_nat(PUBLIC, "10.42.0.5")
    await driver.set_static_nat(PUBLIC, None)

    assert probe.port_forwards(OTHER) == (ssh,)


async def test_a_failed_static_nat_change_keeps_the_old_one(driver, probe):
    await driver.set_static_nat(PUBLIC, "10.42.0.5")
    probe.fail_next("set_static_nat")

    with pytest.raises(DriverError):
        await driver.set_static_nat(PUBLIC, "10.42.0.6")

    assert probe.static_nat(PUBLIC) == "10.42.0.5"
