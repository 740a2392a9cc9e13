"""The instance options of 4.2 and 4.4, end to end: every create option at once, every destroy
option at once, the refusals of foreign resources, associateSSHKey, changeNetwork and purge."""

from __future__ import annotations

from typing import Any

from cloudca.server.bootstrap import seeded_id
from cloudca.server.runtime import Runtime
from tests.api.conftest import public_key
from tests.api.instance_state import holdings
from tests.support import BASE, Api, error_of

DISK_CUSTOM_BOTH = seeded_id("diskOffering", "Custom size and IOPS")


async def group(api: Api, name: str) -> dict[str, Any]:
    body = {"name": name, "description": name, "type": "host anti-affinity"}
    result: dict[str, Any] = await api.succeeded(await api.http.post(f"{BASE}/affinitygroups", json=body))
    return result


async def full_instance(api: Api, catalog: dict[str, Any], name: str = "everything") -> dict[str, Any]:
    """An instance created with every create option the contract has (G's string spellings)."""
    key = public_key(name)
    await api.succeeded(
        await api.http.post(f"{BASE}/sshkeys", json={"name": f"{name}-key", "publicKey": key})
    )
    first, second = await group(api, f"{name}-a"), await group(api, f"{name}-b")
    return await api.create_instance(
        catalog,
        name=name,
        templateId=catalog["template_resizable"],
        rootVolumeSizeInGb="12",
        sshKeyName=f"{name}-key",
        diskOfferingId=DISK_CUSTOM_BOTH,
        additionalDiskSizeInGb="25",
        additionalDiskIops="500",
        affinityGroupId=first["id"],
        affinityGroupIds=[second["id"], first["id"]],
        portsToForward=["22", 80],
        userData="#!/bin/sh\necho hi\n",
        recoveryPoint={},
    )


async def volumes_of(api: Api, instance_id: str) -> dict[str, dict[str, Any]]:
    listed = (await api.http.get(f"{BASE}/volumes", params={"instance_id": instance_id})).json()["data"]
    return {volume["type"]: volume for volume in listed}


async def test_create_with_every_option(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    created = await full_instance(api, catalog)
    instance_id = created["id"]
    assert created["state"] == "Running" and created["sshKeyName"] == "everything-key"
    assert len(created["affinityGroupIds"]) == 2
    volumes = await volumes_of(api, instance_id)
    assert volumes["os"]["sizeInGb"] == 12
    assert (volumes["data"]["sizeInGb"], volumes["data"]["iops"]) == (25, 500)
    machine = runtime.driver.machine(instance_id)  # type: ignore[attr-defined]
    assert {d.volume_id: d.size_gb for d in machine.disks} == {
        volumes["os"]["id"]: 12,
        volumes["data"]["id"]: 25,
    }
    assert machine.ssh_public_key == public_key("everything") and machine.user_data.startswith("#!/bin/sh")
    [public] = created["publicIps"]
    assert (public["purposes"], public["ports"]) == (["PORT_FORWARDING"], ["22", "80"])
    rules = (await api.http.get(f"{BASE}/portforwardingrules", params={"instance_id": instance_id})).json()[
        "data"
    ]
    assert [(r["protocol"], r["publicPortStart"], r["privatePortStart"]) for r in rules] == [
        ("TCP", "22", "22"),
        ("TCP", "80", "80"),
    ]
    forwards = runtime.driver.port_forwards(public["ipAddress"])  # type: ignore[attr-defined]
    assert sorted(f.public_port_start for f in forwards) == [22, 80]
    assert {f.private_ip for f in forwards} == {created["ipAddress"]}

    # Another instance of the VPC reuses that IP when its ports are free, else gets a new one.
    reuse = await api.create_instance(catalog, name="reuse", portsToForward=["443"])
    assert reuse["publicIps"][0]["id"] == public["id"]
    fresh = await api.create_instance(catalog, name="fresh", portsToForward=["22"])
    assert fresh["publicIps"][0]["id"] != public["id"]


async def test_other_create_options(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    volume = await api.succeeded(
        await api.http.post(
            f"{BASE}/volumes", json={"name": "spare", "diskOfferingId": catalog["disk_fixed"]}
        )
    )
    raw_key = public_key("raw")
    created = await api.create_instance(catalog, volumeIdToAttach=volume["id"], publicKey=raw_key)
    assert "sshKeyName" not in created
    assert runtime.driver.machine(created["id"]).ssh_public_key == raw_key  # type: ignore[attr-defined]
    assert (await volumes_of(api, created["id"]))["data"]["id"] == volume["id"]
    taken = await api.http.post(
        f"{BASE}/instances",
        json={
            "name": "second",
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
            "volumeIdToAttach": volume["id"],
        },
    )
    assert error_of(taken)["context"]["field"] == "volumeIdToAttach"


async def test_destroy_with_every_option(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    before = await holdings(runtime)
    created = await full_instance(api, catalog)
    instance_id = created["id"]
    [public] = created["publicIps"]
    volumes = await volumes_of(api, instance_id)
    for volume in volumes.values():
        await api.succeeded(
            await api.http.post(f"{BASE}/volumes/{volume['id']}", params={"operation": "snapshot"}, json={})
        )
    destroyed = await api.succeeded(
        await api.http.request(
            "DELETE",
            f"{BASE}/instances/{instance_id}",
            json={
                "publicIpIdsToRelease": [public["id"]],
                "volumeIdsToDelete": [volumes["data"]["id"]],
                "deleteSnapshots": "true",
            },
        )
    )
    assert destroyed["state"] == "Destroyed" and destroyed["publicIps"] == []
    assert (await api.http.get(f"{BASE}/publicipaddresses/{public['id']}")).status_code == 404
    assert runtime.driver.port_forwards(public["ipAddress"]) == ()  # type: ignore[attr-defined]
    assert (await api.http.get(f"{BASE}/volumes/{volumes['data']['id']}")).status_code == 404
    assert (await api.http.get(f"{BASE}/snapshots")).json()["data"] == []
    assert list(await volumes_of(api, instance_id)) == ["os"]  # recover brings the root volume back
    machine = runtime.driver.machine(instance_id)  # type: ignore[attr-defined]
    assert [d.volume_id for d in machine.disks] == [volumes["os"]["id"]]

    await api.succeeded(await api.operation(instance_id, "purge"))
    after = await holdings(runtime)
    assert after == before  # purge released everything the instance still held
    assert runtime.driver.machine(instance_id) is None  # type: ignore[attr-defined]


async def test_destroy_refuses_foreign_resources(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    mine = await api.create_instance(
        catalog, name="mine", diskOfferingId=catalog["disk_fixed"], portsToForward=["22"]
    )
    other = await api.create_instance(
        catalog, name="other", diskOfferingId=catalog["disk_fixed"], portsToForward=["8080"]
    )
    shared_ip = mine["publicIps"][0]["id"]
    assert other["publicIps"][0]["id"] == shared_ip  # reused: it now forwards to both
    own_ip = await api.succeeded(
        await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]})
    )
    source_nat = next(
        i
        for i in (await api.http.get(f"{BASE}/publicipaddresses")).json()["data"]
        if i["purposes"] == ["SOURCE_NAT"]
    )
    other_volumes = await volumes_of(api, other["id"])
    mine_volumes = await volumes_of(api, mine["id"])
    before = await holdings(runtime)
    cases = [
        {"publicIpIdsToRelease": [shared_ip]},  # also forwards to another instance
        {"publicIpIdsToRelease": [own_ip["id"]]},  # forwards to nobody
        {"publicIpIdsToRelease": [source_nat["id"]]},
        {"publicIpIdsToRelease": ["00000000-0000-4000-8000-000000000000"]},
        {"volumeIdsToDelete": [other_volumes["data"]["id"]]},
        {"volumeIdsToDelete": [mine_volumes["os"]["id"]]},
        {"volumeIdsToDelete": ["00000000-0000-4000-8000-000000000000"], "purgeImmediately": True},
    ]
    for body in cases:
        response = await api.http.request("DELETE", f"{BASE}/instances/{mine['id']}", json=body)
        assert response.status_code == 400, body
        assert error_of(response)["errorCode"] == "INVALID_FIELD", body
    assert await holdings(runtime) == before
    assert (await api.get_instance(mine["id"]))["state"] == "Running"


async def test_change_network_removes_rules(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    created = await api.create_instance(catalog, portsToForward=["22"])
    address = created["publicIps"][0]["ipAddress"]
    moved = await api.succeeded(
        await api.operation(created["id"], "changeNetwork", {"networkId": catalog["network_db"]})
    )
    assert moved["networkId"] == catalog["network_db"] and moved["publicIps"] == []
    assert moved["ipAddressId"] == created["ipAddressId"]
    assert (await api.http.get(f"{BASE}/portforwardingrules")).json()["data"] == []
    assert runtime.driver.port_forwards(address) == ()  # type: ignore[attr-defined]
