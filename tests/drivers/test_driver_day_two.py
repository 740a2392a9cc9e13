"""The day-two part of the driver contract: reports for drift, events, and the console.

Runs once per driver (``conftest.DRIVERS``). libvirt's test URI keeps its domains in the process,
so a second connection can change a machine "behind the driver's back", as an operator would.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cloudca.server.drivers.base import ComputeDriver, DriverError, PowerState
from tests import libvirt_support
from tests.drivers.test_driver_contract import created, running

RUNNING, STOPPED = PowerState.RUNNING, PowerState.STOPPED


def _behind_the_back(instance_id: str, action: str) -> None:
    """Change the machine through a connection of the test's own, as an operator would."""
    import libvirt

    connection = libvirt.open(libvirt_support.TEST_URI)
    try:
        domain = connection.lookupByName(f"cloudca-{instance_id}")
        if action == "off" and domain.isActive():
            domain.destroy()
        elif action == "on" and not domain.isActive():
            domain.create()
        elif action == "lose the root disk":
            root = ET.fromstring(domain.XMLDesc(0))  # noqa: S314 - libvirt's own XML
            for source in root.iterfind("./devices/disk/source"):
                if source.get("file", "").endswith("root.qcow2"):
                    Path(source.get("file", "")).unlink()
    finally:
        connection.close()


async def test_report_gives_each_machines_power_state_and_none_when_there_is_no_machine(driver, specs, host):
    started = await running(driver, specs, host)
    stopped = await created(driver, specs, host)

    running_report = await driver.report(started.instance_id)
    stopped_report = await driver.report(stopped.instance_id)

    assert running_report is not None and running_report.power_state is RUNNING
    assert stopped_report is not None and stopped_report.power_state is STOPPED
    assert not running_report.crashed and not running_report.problem
    assert await driver.report("instance-that-never-was") is None


async def test_list_machines_lists_every_machine_or_says_it_cannot(driver, specs, host):
    spec = await running(driver, specs, host)

    reports = await driver.list_machines()

    if reports is None:
        pytest.skip(f"the {driver.name} driver cannot list its machines (events only)")
    by_id = {report.instance_id: report for report in reports}
    assert by_id[spec.instance_id].power_state is RUNNING
    assert by_id[spec.instance_id].host_name == host.name


def _libvirt_only(driver: ComputeDriver) -> None:
    if driver.name != "libvirt":
        pytest.skip("changes behind the driver's back are made through libvirt")


async def test_list_machines_reports_a_machine_that_is_not_cloudcas_without_an_instance_id(driver):
    _libvirt_only(driver)
    # libvirt's test URI always has its own domain "test".
    reports = await driver.list_machines()

    assert reports is not None
    assert any(report.instance_id is None and report.name == "test" for report in reports)


async def test_events_say_which_machine_changed_behind_the_drivers_back(driver, specs, host):
    _libvirt_only(driver)
    spec = await running(driver, specs, host)
    noticed: asyncio.Queue[str] = asyncio.Queue()
    driver.watch(noticed.put_nowait)

    async def noticed_machine() -> str:
        # The events connection opens in the background: retry the change until it is seen.
        while True:
            _behind_the_back(spec.instance_id, "off")
            with_deadline = asyncio.wait_for(noticed.get(), 0.5)
            try:
                return await with_deadline
            except TimeoutError:
                _behind_the_back(spec.instance_id, "on")

    assert await asyncio.wait_for(noticed_machine(), 20) == spec.instance_id
    assert (await driver.report(spec.instance_id)).power_state is STOPPED


async def test_a_disk_file_gone_is_reported_as_a_problem(driver, specs, host):
    _libvirt_only(driver)
    spec = await created(driver, specs, host)

    _behind_the_back(spec.instance_id, "lose the root disk")

    report = await driver.report(spec.instance_id)
    assert report is not None and "disk" in report.problem


async def test_a_console_attaches_to_a_running_machine_only(driver, specs, host):
    if not (driver.capabilities.serial_console or driver.capabilities.simulated_console):
        pytest.skip(f"the {driver.name} driver has no console")
    if driver.name == "libvirt":
        pytest.skip("libvirt's test URI has no consoles: tests/e2e/test_libvirt_day_two.py types on one")
    stopped = await created(driver, specs, host)
    with pytest.raises(DriverError):
        await driver.open_console(stopped.instance_id)
    await driver.start(stopped.instance_id)

    console = await driver.open_console(stopped.instance_id)
    try:
        await console.write(b"echo console-works\r")
        seen = b""
        async with asyncio.timeout(10):
            while b"console-works\r\n" not in seen.split(b"echo console-works", 1)[-1]:
                seen += await console.read()
    finally:
        await console.close()
