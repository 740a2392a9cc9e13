"""Affinity groups (API-CONTRACT 6.17): create, get, list, update, delete; the type filter the
Terraform provider calls; anti-affinity enforced by placement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cloudca.server.bootstrap import seeded_id
from cloudca.server.instances.models import Instance
from tests.api.conftest import ServeFactory
from tests.api.instance_state import holdings
from tests.support import BASE, Api, error_of

GROUPS = f"{BASE}/affinitygroups"
DEDICATED = seeded_id("affinityGroup", "dedicated")


async def create_group(api: Api, name: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "description": f"{name} group", "type": "host anti-affinity", **extra}
    result: dict[str, Any] = await api.succeeded(await api.http.post(GROUPS, json=body))
    return result


async def test_group_lifecycle(api: Api, catalog: dict[str, Any]) -> None:
    first = await api.create_instance(catalog, name="one")
    second = await api.create_instance(catalog, name="two")
    group = await create_group(api, "web", instanceIds=[first["id"]])
    assert group == {
        "id": group["id"],
        "name": "web",
        "description": "web group",
        "type": "host anti-affinity",
        "instanceIds": [first["id"]],
        "instanceNames": ["one"],
        "zoneIds": [],
    }
    assert (await api.http.get(f"{GROUPS}/{group['id']}")).json()["data"] == group
    assert (await api.get_instance(first["id"]))["affinityGroupIds"] == [group["id"]]

    updated = await api.succeeded(
        await api.http.put(
            f"{GROUPS}/{group['id']}", json={"description": "d2", "instanceIds": [second["id"]]}
        )
    )
    assert (updated["name"], updated["description"], updated["instanceIds"]) == ("web", "d2", [second["id"]])
    assert (await api.get_instance(first["id"]))["affinityGroupIds"] == []
    renamed = await api.succeeded(await api.http.put(f"{GROUPS}/{group['id']}", json={"name": "front"}))
    assert renamed["instanceIds"] == [second["id"]]  # absent instanceIds: members unchanged

    duplicate = await api.http.post(GROUPS, json={"name": "front", "description": "d"})
    assert error_of(duplicate)["errorCode"] == "DUPLICATE"
    wrong_type = await api.http.post(
        GROUPS, json={"name": "x", "description": "d", "type": "ExplicitDedication"}
    )
    assert error_of(wrong_type)["context"]["field"] == "type"
    stranger = await api.http.post(GROUPS, json={"name": "x", "instanceIds": [catalog["vpc"]]})
    assert error_of(stranger)["context"]["field"] == "instanceIds"
    operator_owned = await api.http.delete(f"{GROUPS}/{DEDICATED}")
    assert error_of(operator_owned)["errorCode"] == "INVALID_FIELD"

    await api.succeeded(await api.http.delete(f"{GROUPS}/{group['id']}"))
    assert (await api.http.get(f"{GROUPS}/{group['id']}")).status_code == 404
    assert (await api.get_instance(second["id"]))["affinityGroupIds"] == []


async def test_type_filter(api: Api, catalog: dict[str, Any]) -> None:
    await create_group(api, "anti")
    dedicated = (await api.http.get(GROUPS, params={"type": "explicitdedication"})).json()
    assert [g["id"] for g in dedicated["data"]] == [DEDICATED] and dedicated["metadata"]["recordCount"] == 1
    anti = (await api.http.get(GROUPS, params={"type": "host anti-affinity"})).json()["data"]
    assert [g["name"] for g in anti] == ["anti"]
    assert (
        error_of(await api.http.get(GROUPS, params={"type": "nope"}))["errorCode"]
        == "INVALID_QUERY_PARAMETER"
    )
    member = await api.create_instance(catalog, dedicatedGroupId=DEDICATED)
    assert member["affinityGroupIds"] == [DEDICATED]


async def test_anti_affinity_is_enforced_by_placement(serve: ServeFactory, catalog: dict[str, Any]) -> None:
    async with serve(simulator_hosts_per_zone=2) as server:
        api = server.api
        group = await create_group(api, "spread")
        first = await api.create_instance(catalog, name="a", affinityGroupId=group["id"])
        second = await api.create_instance(catalog, name="b", affinityGroupIds=[group["id"]])
        async with server.runtime.database.session() as session:
            hosts = {
                row.id: row.host_id
                for row in (
                    await session.execute(
                        select(Instance).where(Instance.id.in_([first["id"], second["id"]]))
                    )
                ).scalars()
            }
        assert hosts[first["id"]] != hosts[second["id"]]

        before = await holdings(server.runtime)
        body = {
            "name": "c",
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
            "affinityGroupId": group["id"],
            "diskOfferingId": catalog["disk_fixed"],
            "portsToForward": ["22"],
        }
        task = await api.finished(await api.http.post(f"{BASE}/instances", json=body))
        assert task["taskStatus"] == "FAILED"
        assert task["result"]["errors"][0]["errorCode"] == "NO_CAPACITY"
        assert await holdings(server.runtime) == before
        outside = await api.create_instance(catalog, name="c")  # without the group it fits
        assert outside["state"] == "Running"

        # Members that already share a host cannot be put in one group: four instances on two
        # hosts, so some two share one.
        await api.create_instance(catalog, name="d")
        async with server.runtime.database.session() as session:
            by_host: dict[str | None, list[str]] = {}
            for row in (await session.execute(select(Instance))).scalars():
                by_host.setdefault(row.host_id, []).append(row.id)
        pair = next(ids[:2] for ids in by_host.values() if len(ids) >= 2)
        refused = await api.http.post(GROUPS, json={"name": "x", "instanceIds": pair})
        assert error_of(refused)["context"]["field"] == "instanceIds"
        assert "shares a host" in error_of(refused)["message"]
