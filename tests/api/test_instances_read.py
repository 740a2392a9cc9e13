"""Listing and retrieving instances (API-CONTRACT 4.1, 7)."""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import Any

from tests.support import BASE, Api, error_of

UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAC_PATTERN = re.compile(r"^02:00(:[0-9a-f]{2}){4}$")

LIST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "name": str,
    "state": str,
    "zoneId": str,
    "zoneName": str,
    "templateId": str,
    "templateName": str,
    "computeOfferingId": str,
    "computeOfferingName": str,
    "cpuCount": int,
    "memoryInMB": int,
    "networkId": str,
    "networkName": str,
    "vpcId": str,
    "vpcName": str,
    "ipAddress": str,
    "ipAddressId": str,
    "macAddress": str,
    "isPasswordEnabled": bool,
    "isSshKeyEnabled": bool,
    "hostname": str,
    "username": str,
    "affinityGroupIds": list,
}
GET_ONLY_FIELDS: dict[str, type] = {"userData": str, "publicIps": list, "nics": list}
ID_FIELDS = ("id", "zoneId", "templateId", "computeOfferingId", "networkId", "vpcId", "ipAddressId")


async def _three(api: Api, catalog: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        await api.create_instance(catalog, name="charlie"),
        await api.create_instance(catalog, name="alpha", networkId=catalog["network_db"]),
        await api.create_instance(catalog, name="bravo", computeOfferingId=catalog["offering_big"]),
    ]


async def _list(api: Api, **params: Any) -> dict[str, Any]:
    response = await api.http.get(f"{BASE}/instances", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_list_items_carry_the_list_fields_only(api: Api, catalog: dict[str, Any]) -> None:
    created = await _three(api, catalog)
    body = await _list(api)
    assert body["metadata"] == {"recordCount": 3}
    assert [item["id"] for item in body["data"]] == [item["id"] for item in created]  # creation order
    for item in body["data"]:
        for name, kind in LIST_FIELDS.items():
            assert isinstance(item[name], kind), (name, item)
        assert "password" not in item
        assert not {"userData", "publicIps", "nics"} & set(item)


async def test_empty_list(api: Api) -> None:
    assert await _list(api) == {"data": [], "metadata": {"recordCount": 0}}


async def test_paging_counts_before_paging(api: Api, catalog: dict[str, Any]) -> None:
    created = await _three(api, catalog)
    first = await _list(api, page_size=2, page_number=1)
    assert first["metadata"] == {"recordCount": 3, "pageSize": 2, "pageCurrent": 1}
    assert [item["id"] for item in first["data"]] == [created[0]["id"], created[1]["id"]]
    second = await _list(api, page_size=2, page_number=2)
    assert [item["id"] for item in second["data"]] == [created[2]["id"]]
    beyond = await _list(api, page_size=2, page_number=5)
    assert beyond["data"] == [] and beyond["metadata"]["recordCount"] == 3


async def test_sorting(api: Api, catalog: dict[str, Any]) -> None:
    await _three(api, catalog)
    for order, expected in (("ASC", ["alpha", "bravo", "charlie"]), ("desc", ["charlie", "bravo", "alpha"])):
        body = await _list(api, sort_by="name", sort_order=order)
        assert [item["name"] for item in body["data"]] == expected
        assert body["metadata"] == {"recordCount": 3, "sortField": "name", "sortOrder": order.upper()}
    by_cpu = await _list(api, sort_by="cpuCount", sort_order="DESC")
    assert by_cpu["data"][0]["name"] == "bravo"


BAD_LIST_PARAMETERS = [
    ("sort_by", "password"),
    ("sort_by", "nosuchfield"),
    ("sort_order", "sideways"),
    ("page_size", "0"),
    ("page_size", "ten"),
    ("page_number", "-1"),
    ("page_number", "1.5"),
    ("state", "Exploded"),
    ("zone_id", "not-a-uuid"),
    ("network_id", "42"),
    ("vpc_id", "x"),
]


async def test_bad_list_parameters(api: Api) -> None:
    for parameter, value in BAD_LIST_PARAMETERS:
        response = await api.http.get(f"{BASE}/instances", params={parameter: value})
        assert response.status_code == 400, (parameter, value)
        error = error_of(response)
        assert (error["code"], error["errorCode"]) == (1004, "INVALID_QUERY_PARAMETER")
        assert error["context"]["parameter"] == parameter
        assert error["context"]["value"] == value


async def test_filters(api: Api, catalog: dict[str, Any]) -> None:
    bravo = (await _three(api, catalog))[2]
    await api.succeeded(await api.operation(bravo["id"], "stop"))

    async def names(**params: Any) -> list[str]:
        body = await _list(api, **params)
        assert body["metadata"]["recordCount"] == len(body["data"])
        return sorted(item["name"] for item in body["data"])

    assert await names(state="Stopped") == ["bravo"]
    assert await names(state="running") == ["alpha", "charlie"]  # enumerations case-insensitive
    assert await names(network_id=catalog["network_db"]) == ["alpha"]
    assert await names(network_id=catalog["network"].upper()) == ["bravo", "charlie"]
    assert await names(vpc_id=catalog["vpc"]) == ["alpha", "bravo", "charlie"]
    assert await names(zone_id=catalog["zone"]) == ["alpha", "bravo", "charlie"]
    assert await names(zone_id=str(uuid.uuid4())) == []  # a missing entity matches nothing
    assert await names(vpc_id=str(uuid.uuid4())) == []
    assert await names(state="Stopped", network_id=catalog["network"]) == ["bravo"]
    assert await names(**{catalog["vpc"]: catalog["vpc"]}) == [
        "alpha",
        "bravo",
        "charlie",
    ]  # unknown: ignored


async def test_get_has_every_field_with_its_type(api: Api, catalog: dict[str, Any]) -> None:
    created = await api.create_instance(catalog, name="backup_instance", userData="#!/bin/sh\necho hi")
    response = await api.http.get(f"{BASE}/instances/{created['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    item = response.json()["data"]
    for name, kind in {**LIST_FIELDS, **GET_ONLY_FIELDS}.items():
        assert isinstance(item[name], kind), (name, item)
    assert "password" not in item
    for name in ID_FIELDS:
        assert UUID_PATTERN.match(item[name]), (name, item[name])
    assert item["state"] == "Running"
    assert item["name"] == item["hostname"] == "backup_instance"
    assert item["templateId"] == catalog["template"] and item["templateName"] == "CentOS 6.8 PV"
    assert item["computeOfferingName"] == "1vCPU.512MB"
    assert (item["cpuCount"], item["memoryInMB"]) == (1, 512)
    assert item["networkId"] == catalog["network"] and item["vpcId"] == catalog["vpc"]
    assert item["zoneId"] == catalog["zone"] and item["zoneName"] == "QC-1"
    assert item["isPasswordEnabled"] is True and item["isSshKeyEnabled"] is True
    assert item["username"] == "cca-user"
    assert item["affinityGroupIds"] == []
    assert item["userData"] == "#!/bin/sh\necho hi"
    assert item["publicIps"] == []
    assert MAC_PATTERN.match(item["macAddress"])
    assert ipaddress.ip_address(item["ipAddress"]) in ipaddress.ip_network("10.164.212.0/24")
    [nic] = item["nics"]
    assert nic["isDefault"] is True and nic["networkId"] == catalog["network"]
    assert nic["id"] == item["ipAddressId"]
    assert "sshKeyName" not in item  # optional output fields are omitted when empty


async def test_user_data_defaults_to_empty_string(api: Api, catalog: dict[str, Any]) -> None:
    created = await api.create_instance(catalog)
    assert (await api.get_instance(created["id"]))["userData"] == ""


async def test_ids_in_the_path_are_case_insensitive(api: Api, catalog: dict[str, Any]) -> None:
    created = await api.create_instance(catalog)
    item = await api.get_instance(created["id"].upper())
    assert item["id"] == created["id"] == created["id"].lower()


async def test_unknown_instance_is_404(api: Api) -> None:
    for instance_id in (str(uuid.uuid4()), "not-a-uuid"):
        await _expect_404(api, instance_id)


async def _expect_404(api: Api, instance_id: str) -> None:
    for response in (
        await api.http.get(f"{BASE}/instances/{instance_id}"),
        await api.operation(instance_id, "start"),
        await api.http.delete(f"{BASE}/instances/{instance_id}"),
        await api.http.put(f"{BASE}/instances/{instance_id}", json={"name": "x"}),
    ):
        assert response.status_code == 404, response.text
        error = error_of(response)
        assert (error["code"], error["errorCode"]) == (1200, "NOT_FOUND")
        assert error["context"] == {"type": "instances", "id": instance_id}


async def test_destroyed_instances_are_listed_and_purged_ones_are_not(
    api: Api, catalog: dict[str, Any]
) -> None:
    kept = await api.create_instance(catalog, name="kept")
    destroyed = await api.create_instance(catalog, name="destroyed")
    purged = await api.create_instance(catalog, name="purged")
    await api.succeeded(await api.http.delete(f"{BASE}/instances/{destroyed['id']}"))
    await api.succeeded(
        await api.http.request("DELETE", f"{BASE}/instances/{purged['id']}", json={"purgeImmediately": True})
    )
    body = await _list(api)
    assert {item["name"]: item["state"] for item in body["data"]} == {
        "kept": "Running",
        "destroyed": "Destroyed",
    }
    assert (await api.http.get(f"{BASE}/instances/{purged['id']}")).status_code == 404
    assert kept["id"] in {item["id"] for item in body["data"]}
