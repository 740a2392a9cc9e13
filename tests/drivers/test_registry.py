"""``create_driver``: the driver a server runs is the one its settings name."""

from __future__ import annotations

import pytest

from cloudca.server.config import Settings
from cloudca.server.drivers.base import DriverError
from cloudca.server.drivers.registry import create_driver, known_drivers
from cloudca.server.drivers.simulator import LatencyProfile, SimulatorDriver


@pytest.fixture(autouse=True)
def no_fault_environment(monkeypatch):
    monkeypatch.delenv("CLOUDCA_SIMULATOR_FAULTS", raising=False)
    monkeypatch.delenv("CLOUDCA_SIMULATOR_SEED", raising=False)


def test_the_simulator_is_known_and_the_default():
    assert "simulator" in known_drivers()
    assert isinstance(create_driver(Settings()), SimulatorDriver)


async def test_the_simulator_offers_the_hosts_of_the_settings():
    settings = Settings(
        zones="QC-1, ON-1,",
        simulator_hosts_per_zone=3,
        simulator_host_cpus=32,
        simulator_host_memory_mb=65536,
    )

    hosts = await create_driver(settings).hosts()

    assert [host.name for host in hosts][:4] == [
        "sim-qc-1-host-1",
        "sim-qc-1-host-2",
        "sim-qc-1-host-3",
        "sim-on-1-host-1",
    ]
    assert len(hosts) == 6
    assert {(host.zone_name, host.cpu_count, host.memory_mb) for host in hosts} == {
        ("QC-1", 32, 65536),
        ("ON-1", 32, 65536),
    }


def test_the_latency_profile_comes_from_the_settings():
    driver = create_driver(Settings(simulator_latency="realistic"))

    assert isinstance(driver, SimulatorDriver)
    assert driver.latency_profile is LatencyProfile.REALISTIC


def test_an_unknown_driver_is_a_clear_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown driver 'xen'; known drivers: simulator"):
        create_driver(Settings(driver="xen"))


@pytest.mark.parametrize(
    "settings",
    [Settings(simulator_latency="slow"), Settings(zones=" , "), Settings(simulator_hosts_per_zone=0)],
)
def test_invalid_simulator_settings_are_a_clear_error(settings):
    with pytest.raises(ValueError):
        create_driver(settings)


async def test_the_fault_plan_is_read_from_the_environment_until_settings_declare_it(monkeypatch):
    monkeypatch.setenv("CLOUDCA_SIMULATOR_FAULTS", "destroy=1")
    driver = create_driver(Settings())

    with pytest.raises(DriverError, match="simulated fault in destroy"):
        await driver.destroy("instance-1")
    await driver.destroy("instance-1")
