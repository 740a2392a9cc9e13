"""A host that stops answering: marked ``Down``, its instances keep their last known state with
``hostDown``, nothing new is placed on it, and all of it clears when it answers again.

The simulator's ``silence_host`` is what a libvirt host that stops answering is
(tests/e2e/test_libvirt_two_hosts.py does it with a real libvirtd). The monitor is driven by hand
(``sweep``) so that the test knows when the host has been looked at.
"""

from __future__ import annotations

from typing import Any

from cloudca.server.drivers.simulator import SimulatorDriver
from cloudca.server.instances import drift
from tests.api.conftest import ServeFactory
from tests.support import BASE


async def test_a_silent_hosts_instances_keep_their_state_flagged_and_get_no_neighbours(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    driver = SimulatorDriver(hosts_per_zone=2)
    async with serve(driver=driver) as server:
        api = server.api
        instance = await api.create_instance(catalog, name="on-a-silent-host")
        assert "hostDown" not in instance
        view = driver.machine(instance["id"])
        assert view is not None
        silent = view.host_name
        monitor = drift.DriftMonitor(server.runtime.database, driver, sweep_seconds=0)

        driver.silence_host(silent)
        await monitor.sweep()

        shown = await api.get_instance(instance["id"])
        assert (shown["state"], shown["hostDown"]) == ("Running", True)
        listed = (await server.http.get(f"{BASE}/instances")).json()["data"]
        assert [item.get("hostDown") for item in listed if item["id"] == instance["id"]] == [True]
        # An operation on it fails with the true reason and changes nothing.
        stopped = await api.finished(await api.operation(instance["id"], "stop"))
        assert stopped["taskStatus"] == "FAILED"
        assert "does not answer" in str(stopped["result"]), stopped
        assert (await api.get_instance(instance["id"]))["state"] == "Running"
        # New instances go to the host that answers.
        for index in range(3):
            placed = await api.create_instance(catalog, name=f"neighbour-{index}")
            assert "hostDown" not in placed
            placed_view = driver.machine(placed["id"])
            assert placed_view is not None and placed_view.host_name != silent

        driver.silence_host(silent, silent=False)
        await monitor.sweep()

        assert "hostDown" not in await api.get_instance(instance["id"])
        assert (await api.succeeded(await api.operation(instance["id"], "stop")))["state"] == "Stopped"


async def test_the_drift_monitor_marks_a_silent_host_from_its_machines_events(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    # No sweep: the simulator tells ``watch`` about each machine of the host that went silent.
    driver = SimulatorDriver(hosts_per_zone=1)
    async with serve(driver=driver) as server:
        instance = await server.api.create_instance(catalog, name="told")
        view = driver.machine(instance["id"])
        assert view is not None
        monitor = drift.DriftMonitor(server.runtime.database, driver, sweep_seconds=0)
        told: list[str] = []
        driver.watch(told.append)

        driver.silence_host(view.host_name)

        assert told == [instance["id"]]
        assert await monitor.check(instance["id"]) is True
        assert (await server.api.get_instance(instance["id"]))["hostDown"] is True
        # With the only host down, a create has nowhere to go.
        response = await server.http.post(
            f"{BASE}/instances",
            json={
                "name": "nowhere",
                "templateId": catalog["template"],
                "computeOfferingId": catalog["offering"],
                "networkId": catalog["network"],
            },
        )
        refused = response.json() if response.status_code != 200 else await server.api.finished(response)
        assert "NO_CAPACITY" in str(refused), refused
