"""NICs (API-CONTRACT 6.13): list, get, create on another network, delete, setDefault; the
instance's ``nics``, ``ipAddress`` and ``ipAddressId`` follow, and the driver gets every change."""

from __future__ import annotations

from typing import Any

from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

NICS = f"{BASE}/nics"


def machine_nics(runtime: Runtime, instance_id: str) -> dict[str, bool]:
    machine = runtime.driver.machine(instance_id)  # type: ignore[attr-defined]
    return {nic.nic_id: nic.is_default for nic in machine.nics}


async def test_nic_lifecycle(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    instance = await api.create_instance(catalog)
    [default] = (await api.http.get(NICS, params={"instance_id": instance["id"]})).json()["data"]
    assert (default["id"], default["isDefault"], default["name"]) == (instance["ipAddressId"], True, "NIC-0")
    assert (default["ipAddress"], default["networkId"], default["vpcId"]) == (
        instance["ipAddress"],
        catalog["network"],
        catalog["vpc"],
    )
    assert default["gateway"] == "10.164.212.1" and default["secondaryIps"] == []

    second = await api.succeeded(
        await api.http.post(NICS, json={"networkId": catalog["network_db"], "instanceId": instance["id"]})
    )
    assert (second["name"], second["isDefault"], second["networkId"]) == (
        "NIC-1",
        False,
        catalog["network_db"],
    )
    assert second["ipAddress"].startswith("10.164.213.")
    assert (await api.http.get(f"{NICS}/{second['id']}")).json()["data"] == second
    assert machine_nics(runtime, instance["id"]) == {default["id"]: True, second["id"]: False}
    shown = await api.get_instance(instance["id"])
    assert [(n["id"], n["isDefault"]) for n in shown["nics"]] == [
        (default["id"], True),
        (second["id"], False),
    ]
    assert [
        n["id"]
        for n in (await api.http.get(NICS, params={"network_id": catalog["network_db"]})).json()["data"]
    ] == [second["id"]]

    duplicate = await api.http.post(
        NICS, json={"networkId": catalog["network_db"], "instanceId": instance["id"]}
    )
    assert error_of(duplicate)["errorCode"] == "DUPLICATE"
    not_default = await api.http.delete(f"{NICS}/{default['id']}")
    assert error_of(not_default)["errorCode"] == "INVALID_FIELD"

    await api.succeeded(await api.http.post(f"{NICS}/{second['id']}", params={"operation": "setDefault"}))
    moved = await api.get_instance(instance["id"])
    assert (moved["ipAddressId"], moved["ipAddress"], moved["networkId"]) == (
        second["id"],
        second["ipAddress"],
        catalog["network_db"],
    )
    assert machine_nics(runtime, instance["id"]) == {default["id"]: False, second["id"]: True}
    await api.succeeded(await api.http.delete(f"{NICS}/{default['id']}"))
    final = await api.get_instance(instance["id"])
    assert [n["id"] for n in final["nics"]] == [second["id"]]
    assert machine_nics(runtime, instance["id"]) == {second["id"]: True}
    assert (await api.http.get(f"{NICS}/{default['id']}")).status_code == 404


async def test_driver_failure_rolls_the_nic_back(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    instance = await api.create_instance(catalog)
    runtime.driver.inject_fault("set_nics")  # type: ignore[attr-defined]
    failed = await api.finished(
        await api.http.post(NICS, json={"networkId": catalog["network_db"], "instanceId": instance["id"]})
    )
    assert failed["taskStatus"] == "FAILED"
    assert len((await api.http.get(NICS, params={"instance_id": instance["id"]})).json()["data"]) == 1
    assert len(machine_nics(runtime, instance["id"])) == 1
    stopped = await api.succeeded(await api.operation(instance["id"], "stop"))
    assert stopped["state"] == "Stopped"
    await api.succeeded(
        await api.http.post(NICS, json={"networkId": catalog["network_db"], "instanceId": instance["id"]})
    )
    await api.succeeded(await api.http.request("DELETE", f"{BASE}/instances/{instance['id']}", json={}))
    destroyed = await api.http.post(
        NICS, json={"networkId": catalog["network"], "instanceId": instance["id"]}
    )
    assert error_of(destroyed)["errorCode"] == "INVALID_STATE"
