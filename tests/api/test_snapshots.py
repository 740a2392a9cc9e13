"""Snapshots (6.15): taken with the ``snapshot`` volume operation (extension), listed, read,
reverted (extension), deleted, kept when their volume goes, and removed by ``deleteSnapshots`` on
destroy."""

from __future__ import annotations

from typing import Any

from tests.support import BASE, Api, error_of

SNAPSHOTS = f"{BASE}/snapshots"


async def snapshot(api: Api, volume_id: str, name: str | None = None) -> dict[str, Any]:
    body = {"name": name} if name else {}
    response = await api.http.post(f"{BASE}/volumes/{volume_id}", params={"operation": "snapshot"}, json=body)
    result: dict[str, Any] = await api.succeeded(response)
    return result


async def test_snapshot_list_get_delete(api: Api, catalog: dict[str, Any]) -> None:
    volume = await api.succeeded(
        await api.http.post(f"{BASE}/volumes", json={"name": "vol", "diskOfferingId": catalog["disk_fixed"]})
    )
    first = await snapshot(api, volume["id"], "nightly")
    assert first == {
        "id": first["id"],
        "name": "nightly",
        "state": "BackedUp",
        "intervalType": "MANUAL",
        "volumeId": volume["id"],
        "volume": "vol",
        "volumeType": "data",
        "created": first["created"],
        "sizeInBytes": 20 * 1024**3,  # The simulator's copy "occupies" the volume's size.
    }
    second = await snapshot(api, volume["id"])
    listed = (await api.http.get(SNAPSHOTS, params={"volume_id": volume["id"]})).json()
    assert [s["id"] for s in listed["data"]] == [first["id"], second["id"]]
    assert (await api.http.get(f"{SNAPSHOTS}/{first['id']}")).json()["data"] == first
    assert (await api.http.get(SNAPSHOTS, params={"volume_id": catalog["vpc"]})).json()["data"] == []
    bad = await api.http.get(SNAPSHOTS, params={"volume_id": "nope"})
    assert error_of(bad)["errorCode"] == "INVALID_QUERY_PARAMETER"

    await api.succeeded(await api.http.delete(f"{BASE}/volumes/{volume['id']}"))
    assert (await api.http.get(f"{SNAPSHOTS}/{second['id']}")).status_code == 200  # outlives its volume
    await api.succeeded(await api.http.delete(f"{SNAPSHOTS}/{first['id']}"))
    assert (await api.http.get(f"{SNAPSHOTS}/{first['id']}")).status_code == 404
    assert (await api.http.put(f"{SNAPSHOTS}/{second['id']}", json={})).status_code == 405


async def test_destroy_with_delete_snapshots(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    kept = await api.create_instance(catalog, name="kept")
    roots = {
        v["instanceId"]: v["id"]
        for v in (await api.http.get(f"{BASE}/volumes", params={"type": "os"})).json()["data"]
    }
    doomed = await snapshot(api, roots[instance["id"]])
    survivor = await snapshot(api, roots[kept["id"]])
    await api.succeeded(
        await api.http.request("DELETE", f"{BASE}/instances/{instance['id']}", json={"deleteSnapshots": True})
    )
    remaining = [s["id"] for s in (await api.http.get(SNAPSHOTS)).json()["data"]]
    assert remaining == [survivor["id"]] and doomed["id"] not in remaining


async def test_revert_needs_the_volume_detached_or_its_instance_stopped(
    api: Api, catalog: dict[str, Any]
) -> None:
    instance = await api.create_instance(catalog)
    root = next(
        v["id"]
        for v in (await api.http.get(f"{BASE}/volumes", params={"type": "os"})).json()["data"]
        if v["instanceId"] == instance["id"]
    )
    taken = await snapshot(api, root, "before")
    revert = f"{SNAPSHOTS}/{taken['id']}"

    running = await api.http.post(revert, params={"operation": "revert"}, json={})
    assert running.status_code == 400 and error_of(running)["errorCode"] == "INVALID_STATE"

    await api.succeeded(await api.operation(instance["id"], "stop"))
    reverted = await api.succeeded(await api.http.post(revert, params={"operation": "revert"}, json={}))
    assert reverted["id"] == taken["id"] and reverted["volumeId"] == root

    unknown = await api.http.post(revert, params={"operation": "restore"}, json={})
    assert unknown.status_code == 400


async def test_a_detached_volume_reverts_and_a_deleted_one_cannot(api: Api, catalog: dict[str, Any]) -> None:
    volume = await api.succeeded(
        await api.http.post(f"{BASE}/volumes", json={"name": "vol", "diskOfferingId": catalog["disk_fixed"]})
    )
    taken = await snapshot(api, volume["id"])
    revert = f"{SNAPSHOTS}/{taken['id']}"
    await api.succeeded(await api.http.post(revert, params={"operation": "revert"}, json={}))

    await api.succeeded(await api.http.delete(f"{BASE}/volumes/{volume['id']}"))
    gone = await api.http.post(revert, params={"operation": "revert"}, json={})
    assert gone.status_code == 400 and error_of(gone)["errorCode"] == "INVALID_FIELD"
