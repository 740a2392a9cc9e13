"""VPCs and networks (API-CONTRACT 6.7, 6.8): create, update, restart, delete; CIDRs inside the VPC;
in-use refusals; a VPC acquires its source NAT public IP."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import update

from cloudca.server.bootstrap import seeded_id
from cloudca.server.catalog.models import Zone
from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

VPCS = f"{BASE}/vpcs"
NETWORKS = f"{BASE}/networks"
VPC_OFFERING = seeded_id("vpcOffering", "Default VPC offering")
NETWORK_OFFERING = seeded_id("networkOffering", "Standard Network")
ALLOW = seeded_id("networkAcl", "default_allow")


async def create_vpc(api: Api, name: str = "stage") -> dict[str, Any]:
    body = {"name": name, "description": f"{name} VPC", "vpcOfferingId": VPC_OFFERING}
    result: dict[str, Any] = await api.succeeded(await api.http.post(VPCS, json=body))
    return result


async def create_network(api: Api, vpc_id: str, name: str) -> dict[str, Any]:
    body = {
        "name": name,
        "description": "d",
        "vpcId": vpc_id,
        "networkOfferingId": NETWORK_OFFERING,
        "networkAclId": ALLOW,
    }
    result: dict[str, Any] = await api.succeeded(await api.http.post(NETWORKS, json=body))
    return result


async def test_vpc_lifecycle(api: Api, catalog: dict[str, Any]) -> None:
    vpc = await create_vpc(api)
    assert (vpc["name"], vpc["state"], vpc["zoneId"], vpc["vpcOfferingId"]) == (
        "stage",
        "Enabled",
        catalog["zone"],
        VPC_OFFERING,
    )
    existing = ipaddress.ip_network("10.164.208.0/20")
    assert not ipaddress.ip_network(vpc["cidr"]).overlaps(existing)
    [nat] = (await api.http.get(f"{BASE}/publicipaddresses", params={"vpc_id": vpc["id"]})).json()["data"]
    assert nat["purposes"] == ["SOURCE_NAT"] and vpc["sourceNatIp"] == nat["ipAddress"]
    assert (await api.http.get(f"{VPCS}/{vpc['id']}")).json()["data"] == vpc

    updated = await api.succeeded(
        await api.http.put(f"{VPCS}/{vpc['id']}", json={"id": vpc["id"], "description": "renamed"})
    )
    assert (updated["name"], updated["description"]) == ("stage", "renamed")
    restarted = await api.succeeded(
        await api.http.post(f"{VPCS}/{vpc['id']}", params={"operation": "restart"})
    )
    assert restarted == updated
    empty = await api.http.put(f"{VPCS}/{vpc['id']}", json={})
    assert error_of(empty)["errorCode"] == "MISSING_FIELD"

    network = await create_network(api, vpc["id"], "app")
    in_use = await api.http.delete(f"{VPCS}/{vpc['id']}")
    assert in_use.status_code == 400 and error_of(in_use)["errorCode"] == "ENTITY_IN_USE"
    await api.succeeded(await api.http.delete(f"{NETWORKS}/{network['id']}"))
    await api.succeeded(await api.http.delete(f"{VPCS}/{vpc['id']}"))
    assert (await api.http.get(f"{VPCS}/{vpc['id']}")).status_code == 404
    assert (await api.http.get(f"{BASE}/publicipaddresses", params={"vpc_id": vpc["id"]})).json()[
        "data"
    ] == []


async def test_networks_inside_the_vpc(api: Api, catalog: dict[str, Any]) -> None:
    vpc = await create_vpc(api)
    first = await create_network(api, vpc["id"], "web")
    second = await create_network(api, vpc["id"], "db")
    space = ipaddress.ip_network(vpc["cidr"])
    cidrs = [ipaddress.ip_network(n["cidr"]) for n in (first, second)]
    assert all(c.subnet_of(space) and c.prefixlen == 24 for c in cidrs) and cidrs[0] != cidrs[1]
    assert first["gateway"] == str(cidrs[0].network_address + 1) and first["netmask"] == "255.255.255.0"
    assert (first["state"], first["vpcId"], first["networkAclId"]) == ("Allocated", vpc["id"], ALLOW)
    listed = (await api.http.get(NETWORKS, params={"vpc_id": vpc["id"]})).json()["data"]
    assert [n["id"] for n in listed] == [first["id"], second["id"]]
    renamed = await api.succeeded(await api.http.put(f"{NETWORKS}/{first['id']}", json={"name": "web-2"}))
    assert renamed["name"] == "web-2" and renamed["description"] == "d"
    deny = seeded_id("networkAcl", "default_deny")
    replaced = await api.succeeded(
        await api.http.post(
            f"{NETWORKS}/{first['id']}", params={"operation": "replace"}, json={"networkAclId": deny}
        )
    )
    assert replaced["networkAclName"] == "default_deny"

    instance = await api.create_instance(catalog, networkId=first["id"])
    assert ipaddress.ip_address(instance["ipAddress"]) in cidrs[0]
    assert (await api.http.get(f"{NETWORKS}/{first['id']}")).json()["data"]["state"] == "Implemented"
    in_use = await api.http.delete(f"{NETWORKS}/{first['id']}")
    assert error_of(in_use)["errorCode"] == "ENTITY_IN_USE" and error_of(in_use)["context"]["dependants"] == [
        instance["id"]
    ]
    await api.succeeded(await api.http.request("DELETE", f"{BASE}/instances/{instance['id']}", json={}))
    still = await api.http.delete(f"{NETWORKS}/{first['id']}")  # Destroyed, not purged: still in use
    assert error_of(still)["errorCode"] == "ENTITY_IN_USE"
    await api.succeeded(await api.operation(instance["id"], "purge"))
    await api.succeeded(await api.http.delete(f"{NETWORKS}/{first['id']}"))

    bad = {"name": "x", "description": "d", "vpcId": vpc["id"], "networkOfferingId": NETWORK_OFFERING}
    for body, field in (
        ({**bad, "networkAclId": catalog["vpc"]}, "networkAclId"),
        ({**bad, "networkAclId": ALLOW, "vpcId": catalog["zone"]}, "vpcId"),
        ({**bad, "networkAclId": ALLOW, "networkOfferingId": catalog["zone"]}, "networkOfferingId"),
    ):
        response = await api.http.post(NETWORKS, json=body)
        assert error_of(response)["context"]["field"] == field


async def test_vpc_needs_a_public_ip(api: Api, runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        await session.execute(update(Zone).values(public_ip_range="198.51.100.0/30"))
    await create_vpc(api, "second")  # takes the pool's last address
    refused = await api.http.post(
        VPCS, json={"name": "third", "description": "d", "vpcOfferingId": VPC_OFFERING}
    )
    assert error_of(refused)["errorCode"] == "QUOTA_EXCEEDED"
    assert [v["name"] for v in (await api.http.get(VPCS)).json()["data"]] == ["prod-VPC", "second"]
