"""Atomicity of create (4.2): a task that fails at any step leaves no instance, volume, public IP,
rule, NIC, membership or host capacity behind, and no machine or forward on the driver."""

from __future__ import annotations

from typing import Any

import pytest

from cloudca.server.errors import InternalError, NoCapacity
from cloudca.server.runtime import Runtime
from tests.api.instance_state import holdings
from tests.support import BASE, Api

DB_STEPS = [
    "cloudca.server.placement.scheduler.reserve",
    "cloudca.server.instances.lifecycle.provision",
    "cloudca.server.instances.lifecycle.mark_network_implemented",
    "cloudca.server.networking.forwarding.acquire_public_ip",
    "cloudca.server.networking.forwarding.forward_ports",
    "cloudca.server.instances.handlers.machine_spec",
]
DRIVER_STEPS = ["create", "start", "set_port_forwarding"]


async def prepare(api: Api, catalog: dict[str, Any]) -> dict[str, Any]:
    """A create body with every option that allocates something, and its prerequisites."""
    group = await api.succeeded(
        await api.http.post(f"{BASE}/affinitygroups", json={"name": "spread", "description": "d"})
    )
    return {
        "name": "doomed",
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
        "diskOfferingId": catalog["disk_custom_size"],
        "additionalDiskSizeInGb": "30",
        "affinityGroupId": group["id"],
        "portsToForward": ["22", "80"],
    }


async def forwards(api: Api, runtime: Runtime) -> dict[str, list[int]]:
    """The driver's forwarded public ports of every public IP."""
    simulator: Any = runtime.driver
    ips = (await api.http.get(f"{BASE}/publicipaddresses")).json()["data"]
    return {
        ip["ipAddress"]: [f.public_port_start for f in simulator.port_forwards(ip["ipAddress"])] for ip in ips
    }


async def assert_failed_leaves_nothing(
    api: Api, runtime: Runtime, body: dict[str, Any], error_code: str
) -> None:
    before, forwarded = await holdings(runtime), await forwards(api, runtime)
    task = await api.finished(await api.http.post(f"{BASE}/instances", json=body))
    assert task["taskStatus"] == "FAILED", task
    assert task["result"]["errors"][0]["errorCode"] == error_code
    assert await holdings(runtime) == before
    assert await forwards(api, runtime) == forwarded
    instances = (await api.http.get(f"{BASE}/instances")).json()["data"]
    assert [i["name"] for i in instances if i["name"] == body["name"]] == []
    simulator: Any = runtime.driver
    assert all(simulator.machine(i["id"]) is not None for i in instances)


@pytest.mark.parametrize("step", DB_STEPS)
async def test_database_step_failure(
    api: Api, catalog: dict[str, Any], runtime: Runtime, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    body = await prepare(api, catalog)
    if not step.endswith("acquire_public_ip"):
        # An IP the create reuses (the other steps); without it the create acquires one.
        await api.create_instance(catalog, name="bystander", portsToForward=["443"])

    async def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise InternalError(f"injected failure in {step}")

    module, name = step.rsplit(".", 1)
    monkeypatch.setattr(f"{module}.{name}", fail)
    await assert_failed_leaves_nothing(api, runtime, body, "INTERNAL_ERROR")


@pytest.mark.parametrize("operation", DRIVER_STEPS)
async def test_driver_step_failure(
    api: Api, catalog: dict[str, Any], runtime: Runtime, operation: str
) -> None:
    body = await prepare(api, catalog)
    await api.create_instance(catalog, name="bystander", portsToForward=["443"])
    runtime.driver.inject_fault(operation)  # type: ignore[attr-defined]
    await assert_failed_leaves_nothing(api, runtime, body, "INTERNAL_ERROR")
    # The bystander's forward on the IP the create reused survived the rollback's re-sync.
    assert sorted(ports for ports in (await forwards(api, runtime)).values() if ports) == [[443]]


async def test_attached_volume_is_given_back(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    volume = await api.succeeded(
        await api.http.post(
            f"{BASE}/volumes", json={"name": "spare", "diskOfferingId": catalog["disk_fixed"]}
        )
    )
    runtime.driver.inject_fault("start")  # type: ignore[attr-defined]
    body = {
        "name": "doomed",
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
        "volumeIdToAttach": volume["id"],
    }
    await assert_failed_leaves_nothing(api, runtime, body, "INTERNAL_ERROR")
    assert "instanceId" not in (await api.http.get(f"{BASE}/volumes/{volume['id']}")).json()["data"]


async def test_no_capacity(
    api: Api, catalog: dict[str, Any], runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = await prepare(api, catalog)

    async def full(*_args: Any, **_kwargs: Any) -> Any:
        raise NoCapacity("No host can run the instance")

    monkeypatch.setattr("cloudca.server.placement.scheduler.reserve", full)
    await assert_failed_leaves_nothing(api, runtime, body, "NO_CAPACITY")


@pytest.mark.parametrize("failures", [2, 3])
async def test_a_forward_that_keeps_failing_fails_the_create_and_its_undo_still_ends_it(
    api: Api, catalog: dict[str, Any], runtime: Runtime, failures: int
) -> None:
    body = await prepare(api, catalog)
    await api.create_instance(catalog, name="bystander", portsToForward=["443"])
    # The create's forward fails, and so do the rollback's first re-syncs of the public IPs.
    runtime.driver.inject_fault("set_port_forwarding", count=failures)  # type: ignore[attr-defined]
    await assert_failed_leaves_nothing(api, runtime, body, "INTERNAL_ERROR")
    assert sorted(ports for ports in (await forwards(api, runtime)).values() if ports) == [[443]]
