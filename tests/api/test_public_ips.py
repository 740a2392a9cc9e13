"""Public IPs (API-CONTRACT 6.10): acquire from the zone's pool, list, get, release, static NAT."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from cloudca.server.catalog.models import Zone
from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

IPS = f"{BASE}/publicipaddresses"


async def acquire(api: Api, vpc_id: str) -> dict[str, Any]:
    result: dict[str, Any] = await api.succeeded(await api.http.post(IPS, json={"vpcId": vpc_id}))
    return result


async def ip_op(api: Api, ip_id: str, operation: str, body: dict[str, Any] | None = None) -> Any:
    return await api.http.post(f"{IPS}/{ip_id}", params={"operation": operation}, json=body or {})


async def test_acquire_list_get_release(api: Api, catalog: dict[str, Any]) -> None:
    source_nat = (await api.http.get(IPS)).json()["data"]
    assert [ip["purposes"] for ip in source_nat] == [["SOURCE_NAT"]]
    ip = await acquire(api, catalog["vpc"])
    assert ip["purposes"] == [] and ip["state"] == "Allocated"
    assert (ip["vpcId"], ip["vpcName"], ip["zoneId"], ip["zoneName"]) == (
        catalog["vpc"],
        "prod-VPC",
        catalog["zone"],
        "QC-1",
    )
    assert ip["ipAddress"].startswith("198.51.100.") and "networkId" not in ip
    assert (await api.http.get(f"{IPS}/{ip['id']}")).json()["data"] == ip
    listed = (await api.http.get(IPS, params={"vpc_id": catalog["vpc"]})).json()
    assert listed["metadata"]["recordCount"] == 2
    assert (await api.http.get(IPS, params={"vpc_id": catalog["zone"]})).json()["data"] == []

    released = await api.succeeded(await api.http.delete(f"{IPS}/{ip['id']}"))
    assert released["id"] == ip["id"]
    assert (await api.http.get(f"{IPS}/{ip['id']}")).status_code == 404
    refused = await api.http.delete(f"{IPS}/{source_nat[0]['id']}")
    assert refused.status_code == 400 and error_of(refused)["errorCode"] == "INVALID_FIELD"
    unknown_vpc = await api.http.post(IPS, json={"vpcId": catalog["zone"]})
    assert error_of(unknown_vpc)["context"]["field"] == "vpcId"


async def test_pool_exhaustion_is_a_clear_error(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        # A /30 pool: two usable addresses, one already the VPC's source NAT IP.
        await session.execute(update(Zone).values(public_ip_range="198.51.100.0/30"))
    await acquire(api, catalog["vpc"])
    exhausted = await api.http.post(IPS, json={"vpcId": catalog["vpc"]})
    assert exhausted.status_code == 400
    error = error_of(exhausted)
    assert error["errorCode"] == "QUOTA_EXCEEDED" and "exhausted" in error["message"]
    assert error["context"]["resource"] == "publicIpAddresses"


async def test_static_nat_enable_disable(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    ip = await acquire(api, catalog["vpc"])
    nat = await api.succeeded(
        await ip_op(api, ip["id"], "enableStaticNat", {"privateIpId": instance["ipAddressId"]})
    )
    assert nat["purposes"] == ["STATIC_NAT"]
    assert (nat["privateIpId"], nat["instanceId"], nat["networkId"]) == (
        instance["ipAddressId"],
        instance["id"],
        catalog["network"],
    )
    assert nat["instances"] == [{"id": instance["id"], "name": instance["name"]}]
    shown = (await api.get_instance(instance["id"]))["publicIps"]
    assert shown == [{"id": ip["id"], "ipAddress": ip["ipAddress"], "purposes": ["STATIC_NAT"], "ports": []}]
    by_instance = (await api.http.get(IPS, params={"instance_id": instance["id"]})).json()["data"]
    assert [i["id"] for i in by_instance] == [ip["id"]]

    other = await acquire(api, catalog["vpc"])
    twice = await ip_op(api, other["id"], "enableStaticNat", {"privateIpId": instance["ipAddressId"]})
    assert error_of(twice)["errorCode"] == "DUPLICATE"
    forward = await api.http.post(
        f"{BASE}/portforwardingrules",
        json={
            "ipAddressId": ip["id"],
            "protocol": "TCP",
            "publicPortStart": 22,
            "privatePortStart": 22,
            "instanceId": instance["id"],
        },
    )
    assert error_of(forward)["context"]["field"] == "ipAddressId"

    plain = await api.succeeded(await ip_op(api, ip["id"], "disableStaticNat"))
    assert plain["purposes"] == [] and "privateIpId" not in plain and "networkId" not in plain
    again = await ip_op(api, ip["id"], "disableStaticNat")
    assert error_of(again)["errorCode"] == "INVALID_FIELD"
    unknown = await ip_op(api, ip["id"], "explode")
    assert error_of(unknown)["errorCode"] == "UNKNOWN_OPERATION"


async def test_release_removes_rules_and_forwards(
    api: Api, catalog: dict[str, Any], runtime: Runtime
) -> None:
    instance = await api.create_instance(catalog)
    ip = await acquire(api, catalog["vpc"])
    await api.succeeded(
        await api.http.post(
            f"{BASE}/portforwardingrules",
            json={
                "ipAddressId": ip["id"],
                "protocol": "tcp",
                "publicPortStart": "80",
                "privatePortStart": "8080",
                "instanceId": instance["id"],
            },
        )
    )
    assert len(runtime.driver.port_forwards(ip["ipAddress"])) == 1  # type: ignore[attr-defined]
    await api.succeeded(await api.http.delete(f"{IPS}/{ip['id']}"))
    assert (await api.http.get(f"{BASE}/portforwardingrules")).json()["data"] == []
    assert runtime.driver.port_forwards(ip["ipAddress"]) == ()  # type: ignore[attr-defined]
    assert (await api.get_instance(instance["id"]))["publicIps"] == []
