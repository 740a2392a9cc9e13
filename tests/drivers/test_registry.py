"""``create_driver``: the driver a server runs is the one its settings name."""

from __future__ import annotations

import pytest

from cloudca.server.config import Settings
from cloudca.server.drivers.base import DriverError, MachineNotFoundError
from cloudca.server.drivers.registry import create_driver, known_drivers
from cloudca.server.drivers.simulator import LatencyProfile, SimulatorDriver


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
    with pytest.raises(ValueError, match="unknown driver 'xen'; known drivers: libvirt, simulator"):
        create_driver(Settings(driver="xen"))


@pytest.mark.parametrize(
    "settings",
    [
        Settings(simulator_latency="slow"),
        Settings(zones=" , "),
        Settings(simulator_hosts_per_zone=0),
        Settings(simulator_faults="launch=1"),
        Settings(simulator_seed="not-a-number"),
    ],
    ids=["latency", "zones", "hosts", "faults", "seed"],
)
def test_invalid_simulator_settings_are_a_clear_error(settings):
    with pytest.raises(ValueError):
        create_driver(settings)


async def test_the_fault_plan_comes_from_the_settings():
    driver = create_driver(Settings(simulator_faults=" destroy=1 "))

    with pytest.raises(DriverError, match="simulated fault in destroy"):
        await driver.destroy("instance-1")
    await driver.destroy("instance-1")


async def test_without_a_fault_plan_nothing_fails():
    driver = create_driver(Settings(simulator_faults=""))

    await driver.destroy("instance-1")


async def fault_pattern(settings: Settings) -> list[bool]:
    """Which of 40 probabilistic stops of a machine that does not exist failed by the fault plan."""
    driver = create_driver(settings)
    pattern = []
    for _ in range(40):
        try:
            await driver.stop("instance-1")
        except MachineNotFoundError:
            pattern.append(False)
        except DriverError:
            pattern.append(True)
    return pattern


async def test_the_seed_comes_from_the_settings():
    seeded = Settings(simulator_faults="stop=0.5", simulator_seed="11")

    pattern = await fault_pattern(seeded)

    assert pattern == await fault_pattern(seeded)
    assert pattern != await fault_pattern(Settings(simulator_faults="stop=0.5", simulator_seed="12"))
    assert any(pattern) and not all(pattern)


async def test_the_environment_reaches_the_driver_through_settings_from_env(monkeypatch):
    monkeypatch.setenv("CLOUDCA_SIMULATOR_FAULTS", "destroy=1")
    monkeypatch.setenv("CLOUDCA_SIMULATOR_SEED", "5")

    settings = Settings.from_env()
    driver = create_driver(settings)

    assert (settings.simulator_faults, settings.simulator_seed) == ("destroy=1", "5")
    with pytest.raises(DriverError, match="simulated fault in destroy"):
        await driver.destroy("instance-1")


async def test_the_registry_reads_only_the_settings_not_the_environment(monkeypatch):
    monkeypatch.setenv("CLOUDCA_SIMULATOR_FAULTS", "destroy=1")

    driver = create_driver(Settings())

    await driver.destroy("instance-1")  # Settings() says no faults; the variable is not read here.


@pytest.mark.libvirt
async def test_the_libvirt_host_offers_the_overcommitted_vcpus_and_its_real_memory(tmp_path):
    from tests import libvirt_support

    libvirt_support.require_libvirt()
    settings = Settings(
        driver="libvirt",
        libvirt_uri=libvirt_support.TEST_URI,
        libvirt_state_dir=str(tmp_path / "state"),
        libvirt_image_dir=str(tmp_path),
        libvirt_cpu_overcommit=2.5,
    )
    connection = libvirt_support.libvirt.open(libvirt_support.TEST_URI)
    _, memory_mb, cpus, *_ = connection.getInfo()
    connection.close()
    driver = create_driver(settings)
    try:
        (host,) = await driver.hosts()
    finally:
        await driver.close()

    assert (host.cpu_count, host.memory_mb) == (int(cpus * 2.5), memory_mb)
