"""Drift: machines that change behind cloudca's back, seen through the API (simulator).

The simulator's ``power_off_from_inside`` is what a guest's own ``poweroff`` is on libvirt: the
machine stops and the driver's events say so (tests/e2e/test_libvirt_day_two.py does it for real).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from cloudca.server.drivers.base import MachineReport, PowerState
from cloudca.server.drivers.simulator import SimulatorDriver
from cloudca.server.instances import drift
from tests.api.conftest import GatedSimulator, ServeFactory, Server
from tests.support import BASE

DEADLINE_SECONDS = 10.0


async def _state_becomes(server: Server, instance_id: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        instance = await server.api.get_instance(instance_id)
        if instance["state"] == state:
            return instance
        assert time.monotonic() < deadline, f"still {instance['state']}, not {state}"
        await asyncio.sleep(0.02)  # Polling the API with a deadline.


async def _tasks_of(server: Server, instance_id: str) -> list[dict[str, Any]]:
    response = await server.http.get(f"{BASE}/tasks", params={"entity_id": instance_id})
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()["data"]
    return tasks


async def test_a_guest_that_powers_itself_off_shows_stopped_with_the_reason_as_its_last_task(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    driver = SimulatorDriver()
    async with serve(driver=driver) as server:
        instance = await server.api.create_instance(catalog, name="drifter")
        assert instance["state"] == "Running"

        driver.power_off_from_inside(instance["id"])

        await _state_becomes(server, instance["id"], "Stopped")
        last = (await _tasks_of(server, instance["id"]))[0]
        assert last["kind"] == drift.KIND
        assert last["result"]["driftReason"] == drift.POWERED_OFF
        assert last["result"]["previousState"] == "Running"
        # The instance is usable as any stopped one.
        started = await server.api.succeeded(await server.api.operation(instance["id"], "start"))
        assert started["state"] == "Running"


async def test_drift_leaves_an_instance_alone_while_its_task_runs(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    driver = GatedSimulator()
    async with serve(driver=driver) as server:
        instance = await server.api.create_instance(catalog, name="busy")
        gate = driver.hold("reboot")
        accepted = await server.api.operation(instance["id"], "reboot")
        await gate.reached()

        # The guest powers off while cloudca's reboot is in flight: the reboot decides the outcome.
        driver.power_off_from_inside(instance["id"])
        assert (await server.api.get_instance(instance["id"]))["state"] == "Running"
        gate.release()

        assert (await server.api.finished(accepted))["taskStatus"] == "SUCCESS"
        assert (await server.api.get_instance(instance["id"]))["state"] == "Running"
        assert [task["kind"] for task in await _tasks_of(server, instance["id"])].count(drift.KIND) == 0


def _report(power: PowerState, crashed: bool = False, problem: str = "") -> MachineReport:
    return MachineReport("i-1", "cloudca-i-1", "host-1", power, crashed=crashed, problem=problem)


@pytest.mark.parametrize(
    ("state", "report", "expected"),
    [
        ("Running", _report(PowerState.RUNNING), None),
        ("Stopped", _report(PowerState.STOPPED), None),
        ("Running", _report(PowerState.STOPPED), ("Stopped", drift.POWERED_OFF)),
        ("Running", _report(PowerState.STOPPED, crashed=True), ("Error", drift.CRASHED)),
        # A crash noticed after the instance was stopped anyway changes nothing.
        ("Stopped", _report(PowerState.STOPPED, crashed=True), None),
        ("Stopped", _report(PowerState.RUNNING), ("Running", drift.STARTED)),
        ("Running", None, ("Error", drift.GONE)),
        ("Stopped", _report(PowerState.STOPPED, problem="disk gone"), ("Error", "disk gone")),
    ],
)
def test_the_correction_for_each_kind_of_drift(
    state: str, report: MachineReport | None, expected: tuple[str, str] | None
) -> None:
    assert drift.correction(state, report) == expected


async def test_monitors_of_several_processes_record_one_correction(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    # Each server process runs its own monitor over the one database; they all see the same event.
    driver = SimulatorDriver()
    async with serve(driver=driver) as server:
        instance = await server.api.create_instance(catalog, name="seen-by-all")
        await driver.stop(instance["id"])  # Behind cloudca's back, and without an event.
        monitors = [drift.DriftMonitor(server.runtime.database, driver, sweep_seconds=0) for _ in range(3)]

        await asyncio.gather(*(monitor.check(instance["id"]) for monitor in monitors))

        assert sum(monitor.corrections for monitor in monitors) == 1
        assert (await server.api.get_instance(instance["id"]))["state"] == "Stopped"
        kinds = [task["kind"] for task in await _tasks_of(server, instance["id"])]
        assert kinds.count(drift.KIND) == 1
        # Looking again changes nothing more.
        assert await monitors[0].check(instance["id"]) is True
        assert sum(monitor.corrections for monitor in monitors) == 1
