"""Volumes (API-CONTRACT 6.14): root volumes of instances, data volumes from disk offerings,
attach, detach, resize, delete, and what the driver is told."""

from __future__ import annotations

from typing import Any

from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

VOLUMES = f"{BASE}/volumes"


async def create_volume(api: Api, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = await api.succeeded(await api.http.post(VOLUMES, json=body))
    return result


def machine_disks(runtime: Runtime, instance_id: str) -> dict[str, int]:
    machine = runtime.driver.machine(instance_id)  # type: ignore[attr-defined]
    return {disk.volume_id: disk.size_gb for disk in machine.disks}


async def volume_op(api: Api, volume_id: str, operation: str, body: dict[str, Any] | None = None) -> Any:
    return await api.http.post(f"{VOLUMES}/{volume_id}", params={"operation": operation}, json=body or {})


async def test_every_instance_has_a_root_volume(api: Api, catalog: dict[str, Any]) -> None:
    default = await api.create_instance(catalog, name="plain")
    resized = await api.create_instance(
        catalog, name="big-root", templateId=catalog["template_resizable"], rootVolumeSizeInGb="30"
    )
    roots = (await api.http.get(VOLUMES, params={"type": "OS"})).json()["data"]
    by_instance = {volume["instanceId"]: volume for volume in roots}
    assert by_instance[default["id"]]["sizeInGb"] == 20  # CentOS 6.8 PV: 20 GB
    assert by_instance[default["id"]]["type"] == "os"
    assert by_instance[default["id"]]["templateId"] == catalog["template"]
    assert by_instance[resized["id"]]["sizeInGb"] == 30
    too_small = await api.http.post(
        f"{BASE}/instances",
        json={
            "name": "x",
            "templateId": catalog["template_resizable"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
            "rootVolumeSizeInGb": 2,
        },
    )
    assert error_of(too_small)["context"]["field"] == "rootVolumeSizeInGb"
    root = by_instance[default["id"]]
    for refused in (
        await api.http.delete(f"{VOLUMES}/{root['id']}"),
        await volume_op(api, root["id"], "detachFromInstance"),
    ):
        assert refused.status_code == 400 and error_of(refused)["errorCode"] == "INVALID_FIELD"


async def test_data_volume_lifecycle(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    instance = await api.create_instance(catalog)
    other = await api.create_instance(catalog, name="other")
    volume = await create_volume(
        api, name="data", diskOfferingId=catalog["disk_custom_size"], instanceId=instance["id"], sizeInGb="15"
    )
    assert (volume["type"], volume["sizeInGb"], volume["instanceId"], volume["state"]) == (
        "data",
        15,
        instance["id"],
        "Ready",
    )
    assert volume["diskOfferingName"] == "Custom size"
    assert machine_disks(runtime, instance["id"])[volume["id"]] == 15
    listed = (await api.http.get(VOLUMES, params={"type": "data", "instance_id": instance["id"]})).json()
    assert [v["id"] for v in listed["data"]] == [volume["id"]]

    in_use = await api.http.delete(f"{VOLUMES}/{volume['id']}")
    assert in_use.status_code == 400 and error_of(in_use)["errorCode"] == "INVALID_STATE"
    twice = await volume_op(api, volume["id"], "attachToInstance", {"instanceId": other["id"]})
    assert error_of(twice)["errorCode"] == "INVALID_STATE"

    grown = await api.succeeded(await volume_op(api, volume["id"], "resize", {"sizeInGb": 40}))
    assert grown["sizeInGb"] == 40 and machine_disks(runtime, instance["id"])[volume["id"]] == 40
    shrink = await volume_op(api, volume["id"], "resize", {"sizeInGb": 10})
    assert error_of(shrink)["context"]["field"] == "sizeInGb"

    detached = await api.succeeded(await volume_op(api, volume["id"], "detachFromInstance"))
    assert "instanceId" not in detached and volume["id"] not in machine_disks(runtime, instance["id"])
    attached = await api.succeeded(
        await volume_op(api, volume["id"], "attachToInstance", {"instanceId": other["id"]})
    )
    assert attached["instanceId"] == other["id"] and volume["id"] in machine_disks(runtime, other["id"])
    await api.succeeded(await volume_op(api, volume["id"], "detachFromInstance"))
    deleted = await api.succeeded(await api.http.delete(f"{VOLUMES}/{volume['id']}"))
    assert deleted["id"] == volume["id"]
    assert (await api.http.get(f"{VOLUMES}/{volume['id']}")).status_code == 404


async def test_size_and_iops_within_the_offering(api: Api, catalog: dict[str, Any]) -> None:
    fixed = await create_volume(api, name="fixed", diskOfferingId=catalog["disk_fixed"])
    assert fixed["sizeInGb"] == 20 and "instanceId" not in fixed
    iops = await create_volume(api, name="fast", diskOfferingId=catalog["disk_custom_iops"], iops="500")
    assert (iops["sizeInGb"], iops["iops"]) == (100, 500)
    faster = await api.succeeded(await volume_op(api, iops["id"], "resize", {"iops": 900}))
    assert faster["iops"] == 900
    refusals = [
        ({"diskOfferingId": catalog["disk_fixed"], "sizeInGb": 30}, "sizeInGb"),
        ({"diskOfferingId": catalog["disk_custom_size"]}, "sizeInGb"),
        ({"diskOfferingId": catalog["disk_custom_size"], "sizeInGb": 5000}, "sizeInGb"),
        ({"diskOfferingId": catalog["disk_fixed"], "iops": 100}, "iops"),
        ({"diskOfferingId": catalog["disk_custom_iops"], "iops": 5}, "iops"),
        ({"diskOfferingId": "00000000-0000-4000-8000-000000000000"}, "diskOfferingId"),
        (
            {"diskOfferingId": catalog["disk_fixed"], "instanceId": "00000000-0000-4000-8000-000000000000"},
            "instanceId",
        ),
    ]
    for body, field in refusals:
        response = await api.http.post(VOLUMES, json={"name": "bad", **body})
        assert response.status_code == 400, body
        assert error_of(response)["context"]["field"] == field, body
    fixed_iops = await volume_op(api, fixed["id"], "resize", {"iops": 300})
    assert error_of(fixed_iops)["context"]["field"] == "iops"
    unknown = await volume_op(api, fixed["id"], "explode")
    assert error_of(unknown)["errorCode"] == "UNKNOWN_OPERATION"


async def test_driver_failure_leaves_nothing(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    instance = await api.create_instance(catalog)
    runtime.driver.inject_fault("set_disks")  # type: ignore[attr-defined]
    task = await api.finished(
        await api.http.post(
            VOLUMES, json={"name": "d", "diskOfferingId": catalog["disk_fixed"], "instanceId": instance["id"]}
        )
    )
    assert task["taskStatus"] == "FAILED"
    assert (await api.http.get(VOLUMES, params={"type": "data"})).json()["data"] == []
    assert len(machine_disks(runtime, instance["id"])) == 1
