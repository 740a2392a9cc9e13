"""The periodic reconcile pass (``instances.reconcile_pass``): what changed on the backend behind
cloudca's back comes back from the database's records, except power, which is drift's.

The simulator stands in for a backend whose rules and definitions were changed by hand: the test
changes them through the driver directly, as another tool would."""

from __future__ import annotations

import dataclasses
from typing import Any

from cloudca.server.drivers.simulator import SimulatorDriver
from cloudca.server.instances.reconcile_pass import ReconcilePass, wanted
from cloudca.server.runtime import Runtime
from tests.support import BASE, Api


async def _backend(api: Api, simulator: SimulatorDriver, instance_id: str) -> dict[str, Any]:
    machine = simulator.machine(instance_id)
    assert machine is not None
    ips = (await api.http.get(f"{BASE}/publicipaddresses")).json()["data"]
    return {
        "power": machine.power_state,
        "nics": machine.nics,
        "disks": sorted(disk.volume_id for disk in machine.disks),
        "forwards": {ip["ipAddress"]: simulator.port_forwards(ip["ipAddress"]) for ip in ips},
    }


async def test_a_pass_restores_nics_disks_and_forwards_but_leaves_power_to_drift(
    api: Api, catalog: dict[str, Any], runtime: Runtime
) -> None:
    instance = await api.create_instance(
        catalog, name="tampered", diskOfferingId=catalog["disk_fixed"], portsToForward=["22"]
    )
    simulator = runtime.driver
    assert isinstance(simulator, SimulatorDriver)
    before = await _backend(api, simulator, instance["id"])
    [address] = [ip for ip, rules in before["forwards"].items() if rules]
    machine = simulator.machine(instance["id"])
    assert machine is not None
    # By hand, behind cloudca's back: the forwards flushed, the data disk detached, the NIC gone,
    # and the machine powered off.
    await simulator.set_port_forwarding(address, [])
    await simulator.set_disks(instance["id"], [disk for disk in machine.disks if disk.is_root])
    await simulator.set_nics(instance["id"], [])
    await simulator.stop(instance["id"])

    refused = await ReconcilePass(runtime.database, simulator, interval=60).run_once()

    assert refused == 0
    after = await _backend(api, simulator, instance["id"])
    assert str(after.pop("power")).endswith("STOPPED")  # drift's to notice and record, not ours
    before.pop("power")
    assert after == before


async def test_only_backends_that_apply_something_for_real_get_a_pass(runtime: Runtime) -> None:
    simulator = runtime.driver
    assert not wanted(simulator)  # it only records: nothing of it drifts

    class Forwarding(SimulatorDriver):
        pass

    forwarding = Forwarding()
    forwarding.capabilities = dataclasses.replace(forwarding.capabilities, forwards_ports=True)
    assert wanted(forwarding)
    sweep = ReconcilePass(runtime.database, forwarding, interval=3600)
    await sweep.start()
    await sweep.stop()  # cancels the waiting loop, and returns
    await forwarding.close()
