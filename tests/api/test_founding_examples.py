"""The founding document's curl examples, with host and ids replaced by the seeded ones, behave as
documented (where the contract rules on one of them, the test says which rule)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cloudca.server.bootstrap import seeded_id
from cloudca.server.runtime import Runtime
from cloudca.server.storage.models import Volume
from tests.api.conftest import register_ssh_key
from tests.support import BASE, Api, error_of

JSON = {"Content-Type": "application/json"}
#: The attributes S lists for "List instances" (the "Retrieve" list adds userData, publicIps, nics).
LISTED = set(
    [
        "id",
        "name",
        "state",
        "templateId",
        "templateName",
        "computeOfferingId",
        "computeOfferingName",
        "cpuCount",
        "memoryInMB",
        "networkId",
        "networkName",
        "hostname",
        "username",
        "affinityGroupIds",
        "zoneId",
        "zoneName",
        "vpcId",
        "vpcName",
        "ipAddress",
        "isPasswordEnabled",
        "macAddress",
    ]
)


async def test_list_and_retrieve(api: Api, catalog: dict[str, Any]) -> None:
    created = await api.create_instance(catalog, name="my_instance")
    listed = (await api.http.get(f"{BASE}/instances")).json()
    assert listed["metadata"] == {"recordCount": 1}
    assert set(listed["data"][0]) >= LISTED
    retrieved = (await api.http.get(f"{BASE}/instances/{created['id']}")).json()["data"]
    assert set(retrieved) >= LISTED | {"userData", "publicIps", "nics"}


async def test_create_minimum_then_lifecycle(api: Api, catalog: dict[str, Any]) -> None:
    # curl -X POST -H "Content-Type: application/json" -d '{name, templateId, computeOfferingId, networkId}'
    content = (
        f'{{\n  "name" : "ultron",\n  "templateId" : "{catalog["template"]}",\n'
        f'  "computeOfferingId": "{catalog["offering"]}",\n  "networkId" : "{catalog["network"]}"\n}}'
    )
    ultron = await api.succeeded(await api.http.post(f"{BASE}/instances", content=content, headers=JSON))
    iid = ultron["id"]
    assert ultron["state"] == "Running"

    async def operation(name: str) -> Any:
        response = await api.http.post(f"{BASE}/instances/{iid}?operation={name}", headers=JSON)
        return await api.succeeded(response)

    assert (await operation("stop"))["state"] == "Stopped"
    assert (await operation("start"))["state"] == "Running"
    assert (await operation("reboot"))["state"] == "Running"
    assert (await operation("resetPassword"))["password"]  # "the new password will be in the task result"

    # S's update example has a trailing comma: strict JSON rejects it (contract 8.4).
    bad = await api.http.put(
        f"{BASE}/instances/{iid}",
        content=b'{\n  "name" : "e_c137",\n  "hostname" : "e_c137",\n}',
        headers=JSON,
    )
    assert bad.status_code == 400 and error_of(bad)["errorCode"] == "BAD_REQUEST"
    updated = await api.succeeded(
        await api.http.put(f"{BASE}/instances/{iid}", json={"name": "hal", "hostname": "hal_9000"})
    )
    assert (updated["name"], updated["hostname"]) == ("hal", "hal_9000")

    # S documents changeComputeOffering without a body; the offering to use is required (4.5.7).
    missing = await api.http.post(f"{BASE}/instances/{iid}?operation=changeComputeOffering", headers=JSON)
    assert error_of(missing)["context"] == {"field": "computeOfferingId"}
    changed = await api.succeeded(
        await api.operation(iid, "changeComputeOffering", {"computeOfferingId": catalog["offering_big"]})
    )
    assert changed["computeOfferingId"] == catalog["offering_big"]

    destroyed = await api.succeeded(await api.http.delete(f"{BASE}/instances/{iid}"))
    assert destroyed["state"] == "Destroyed"
    assert (await operation("recover"))["state"] == "Stopped"
    await api.succeeded(await api.http.delete(f"{BASE}/instances/{iid}"))
    await operation("purge")
    assert (await api.http.get(f"{BASE}/instances/{iid}")).status_code == 404


async def test_associate_ssh_key(api: Api, runtime: Runtime, catalog: dict[str, Any]) -> None:
    await register_ssh_key(api, "my_ssh_key")
    instance = await api.create_instance(catalog)
    response = await api.http.post(
        f"{BASE}/instances/{instance['id']}?operation=associateSSHKey", json={"sshKeyName": "my_ssh_key"}
    )
    assert (await api.succeeded(response))["sshKeyName"] == "my_ssh_key"


async def test_full_create_request_and_full_destroy_request(
    api: Api, runtime: Runtime, catalog: dict[str, Any]
) -> None:
    await register_ssh_key(api, "mysshkey")
    # S's full create request, minus volumeIdToAttach and affinityGroupId (exclusive with
    # diskOfferingId, 8.31; no anti-affinity group is seeded).
    jarvis = await api.create_instance(
        catalog,
        name="jarvis",
        diskOfferingId=seeded_id("diskOffering", "Custom size and IOPS"),
        additionalDiskSizeInGb=20,
        additionalDiskIops=1000,
        sshKeyName="mysshkey",
        portsToForward=["80", "9999"],
        userData="#!/bin/bash\necho 'hello world'",
    )
    iid = jarvis["id"]
    item = await api.get_instance(iid)
    assert item["userData"] == "#!/bin/bash\necho 'hello world'" and item["sshKeyName"] == "mysshkey"
    [public_ip] = item["publicIps"]
    assert public_ip["purposes"] == ["PORT_FORWARDING"] and sorted(public_ip["ports"]) == ["80", "9999"]
    async with runtime.database.session() as session:
        data = (
            await session.execute(select(Volume).where(Volume.instance_id == iid, Volume.type == "data"))
        ).scalar_one()
        assert (data.size_gb, data.iops) == (20, 1000)
    body = {
        "purgeImmediately": True,
        "deleteSnapshots": True,
        "publicIpIdsToRelease": [public_ip["id"]],
        "volumeIdsToDelete": [data.id],
    }
    await api.succeeded(await api.http.request("DELETE", f"{BASE}/instances/{iid}", json=body))
    assert (await api.http.get(f"{BASE}/instances/{iid}")).status_code == 404
    async with runtime.database.session() as session:
        assert await session.get(Volume, data.id) is None
