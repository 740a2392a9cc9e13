"""Undo restores everything: when destroy-with-options or changeNetwork fails part-way, the machine
gets back what it had (power, disks, NICs, forwards), pushed again from the database's records.
A fault is injected at each driver step, through the simulator's public hook.

Issue 10, "Why": a destroy or changeNetwork that failed after the driver dropped the forwards
left rules in the database that no longer forwarded."""

from __future__ import annotations

from typing import Any

import pytest

from cloudca.server.runtime import Runtime
from tests.support import BASE, Api


async def _everything(api: Api, catalog: dict[str, Any]) -> dict[str, Any]:
    """A running instance with a data disk and port 22 forwarded from a public IP."""
    return await api.create_instance(
        catalog, name="loaded", diskOfferingId=catalog["disk_fixed"], portsToForward=["22"]
    )


def _machine(runtime: Runtime, instance_id: str) -> Any:
    simulator: Any = runtime.driver
    machine = simulator.machine(instance_id)
    assert machine is not None
    return machine


async def _driver_state(api: Api, runtime: Runtime, instance_id: str) -> dict[str, Any]:
    machine = _machine(runtime, instance_id)
    simulator: Any = runtime.driver
    ips = (await api.http.get(f"{BASE}/publicipaddresses")).json()["data"]
    return {
        "power": machine.power_state,
        "nics": sorted((nic.network_id, nic.ip_address, nic.mac_address) for nic in machine.nics),
        "disks": sorted(disk.volume_id for disk in machine.disks),
        "forwards": {
            ip["ipAddress"]: sorted(f.public_port_start for f in simulator.port_forwards(ip["ipAddress"]))
            for ip in ips
        },
    }


@pytest.mark.parametrize(
    "step", ["stop", "set_port_forwarding", "set_static_nat", "set_load_balancing", "set_disks", "destroy"]
)
async def test_a_destroy_with_options_that_fails_restores_the_machine(
    api: Api, catalog: dict[str, Any], runtime: Runtime, step: str
) -> None:
    instance = await _everything(api, catalog)
    before = await _driver_state(api, runtime, instance["id"])
    assert before["forwards"] and before["disks"]
    ip_id = (await api.get_instance(instance["id"]))["publicIps"][0]["id"]
    data = (
        await api.http.get(f"{BASE}/volumes", params={"instance_id": instance["id"], "type": "data"})
    ).json()
    runtime.driver.inject_fault(step)  # type: ignore[attr-defined]
    body = {
        "purgeImmediately": step == "destroy",
        "publicIpIdsToRelease": [ip_id],
        "volumeIdsToDelete": [data["data"][0]["id"]],
    }
    task = await api.finished(
        await api.http.request("DELETE", f"{BASE}/instances/{instance['id']}", json=body)
    )
    assert task["taskStatus"] == "FAILED", task
    after = await _driver_state(api, runtime, instance["id"])
    state = (await api.get_instance(instance["id"]))["state"]
    if step == "destroy":
        # The records already said Destroyed when the purge's destroy failed: stopped, unforwarded.
        assert state == "Destroyed"
        assert str(after["power"]).endswith("STOPPED")
        return
    assert state == "Running"
    assert after == before


@pytest.mark.parametrize("step", ["set_port_forwarding", "set_nics", "reboot"])
async def test_a_change_of_network_that_fails_restores_the_machine(
    api: Api, catalog: dict[str, Any], runtime: Runtime, step: str
) -> None:
    instance = await _everything(api, catalog)
    before = await _driver_state(api, runtime, instance["id"])
    runtime.driver.inject_fault(step)  # type: ignore[attr-defined]
    response = await api.http.post(
        f"{BASE}/instances/{instance['id']}",
        params={"operation": "changeNetwork"},
        json={"networkId": catalog["network_db"]},
    )
    task = await api.finished(response)
    assert task["taskStatus"] == "FAILED", task
    assert (await api.get_instance(instance["id"]))["state"] == "Running"
    assert await _driver_state(api, runtime, instance["id"]) == before
