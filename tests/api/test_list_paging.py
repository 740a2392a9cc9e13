"""Paging and sorting of every list (API-CONTRACT 7.1, 7.2), over a server holding a few of each
entity: for each top-level scalar field of a list's items, the sorted list is the list sorted by that
field (strings case-insensitively, absent values last, ties in the default order), each page is its
slice, ``recordCount`` counts every match, and an unknown field is a 400."""

from __future__ import annotations

from typing import Any

from cloudca.server.bootstrap import seeded_id
from tests.api.conftest import public_key
from tests.support import BASE, Api, error_of

ENVIRONMENT_LISTS = (
    "zones",
    "templates",
    "computeofferings",
    "diskofferings",
    "vpcofferings",
    "networkofferings",
    "vpcs",
    "networks",
    "publicipaddresses",
    "portforwardingrules",
    "nics",
    "networkacls",
    "networkaclrules",
    "loadbalancerrules",
    "remoteaccessvpns",
    "vpnusers",
    "sshkeys",
    "affinitygroups",
    "volumes",
    "snapshots",
)
ADMIN_LISTS = ("/v1/services/connections", "/v1/organizations", "/v1/environments", "/v1/users")


async def _populate(api: Api, catalog: dict[str, Any]) -> None:
    """Two or more of most entities, with names in mixed case and fields that some items lack."""
    network = {
        "name": "Lb-tier",
        "description": "web servers",
        "vpcId": catalog["vpc"],
        "networkOfferingId": seeded_id("networkOffering", "Load Balanced Network"),
        "networkAclId": seeded_id("networkAcl", "default_allow"),
    }
    tier = await api.succeeded(await api.http.post(f"{BASE}/networks", json=network))
    web = await api.create_instance(catalog, name="web", networkId=tier["id"])
    db = await api.create_instance(catalog, name="Db")
    ips = [
        await api.succeeded(await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]}))
        for _ in range(2)
    ]
    forward = {"ipAddressId": ips[0]["id"], "protocol": "TCP", "privateIpId": db["ipAddressId"]}
    for port in (80, 8080, 443):
        rule = {**forward, "publicPortStart": port, "privatePortStart": port}
        await api.succeeded(await api.http.post(f"{BASE}/portforwardingrules", json=rule))
    balancer = {
        "publicIpId": ips[1]["id"],
        "networkId": tier["id"],
        "privatePort": 8080,
        "algorithm": "roundrobin",
        "protocol": "tcp",
        "instanceIds": [web["id"]],
    }
    for name, port in (("web", 80), ("Api", 443)):
        rule = {**balancer, "name": name, "publicPort": port}
        await api.succeeded(await api.http.post(f"{BASE}/loadbalancerrules", json=rule))
    acl_body = {"name": "web-acl", "description": "web", "vpcId": catalog["vpc"]}
    acl = await api.succeeded(await api.http.post(f"{BASE}/networkacls", json=acl_body))
    for number in (5, 10, 20):
        rule = {"networkAclId": acl["id"], "ruleNumber": number, "cidr": "10.0.0.0/8", "action": "Allow"}
        rule |= {"protocol": "TCP", "startPort": number, "endPort": 100, "trafficType": "Ingress"}
        await api.succeeded(await api.http.post(f"{BASE}/networkaclrules", json=rule))
    for name in ("laptop", "CI"):
        key = {"name": name, "publicKey": public_key(name)}
        await api.succeeded(await api.http.post(f"{BASE}/sshkeys", json=key))
    for username in ("wilson", "Kim"):
        user = {"username": username, "password": "s3cret-pass"}
        await api.succeeded(await api.http.post(f"{BASE}/vpnusers", json=user))
    group = {"name": "Web", "description": "w", "type": "host anti-affinity", "instanceIds": [web["id"]]}
    await api.succeeded(await api.http.post(f"{BASE}/affinitygroups", json=group))
    volume_body = {"name": "data", "diskOfferingId": catalog["disk_fixed"], "instanceId": db["id"]}
    volume = await api.succeeded(await api.http.post(f"{BASE}/volumes", json=volume_body))
    for name in ("nightly", "Before-upgrade"):
        snapshot = api.http.post(
            f"{BASE}/volumes/{volume['id']}", params={"operation": "snapshot"}, json={"name": name}
        )
        await api.succeeded(await snapshot)


def _key(item: dict[str, Any], field: str) -> tuple[int, Any]:
    """The contract's order, as the server kept it when it sorted lists in memory: strings
    case-insensitively, absent values last."""
    value = item.get(field)
    if value is None:
        return (1, "")
    return (0, value.lower() if isinstance(value, str) else value)


def _scalar_fields(items: list[dict[str, Any]]) -> set[str]:
    return {
        field
        for item in items
        for field, value in item.items()
        if isinstance(value, (str, int, float, bool)) and field != "id"
    } | {"id"}


async def _check_list(api: Api, path: str) -> None:
    response = await api.http.get(path)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]
    assert response.json()["metadata"] == {"recordCount": len(items)}
    assert items, f"{path}: the test should list something"
    for field in sorted(_scalar_fields(items)):
        for order in ("ASC", "DESC"):
            params = {"sort_by": field, "sort_order": order}
            whole = await api.http.get(path, params=params)
            assert whole.status_code == 200, (path, field, whole.text)
            got = whole.json()["data"]
            assert sorted(item["id"] for item in got) == sorted(item["id"] for item in items), (path, field)
            # Sorted by the field (ties, such as times equal to the millisecond, in any stable order).
            keys = [_key(item, field) for item in got]
            assert keys == sorted(keys, reverse=order == "DESC"), (path, field, order)
            paged = await api.http.get(path, params={**params, "page_size": 2, "page_number": 2})
            assert paged.json()["data"] == got[2:4], (path, field, order)
            assert paged.json()["metadata"] == {
                "recordCount": len(items),
                "pageSize": 2,
                "pageCurrent": 2,
                "sortField": field,
                "sortOrder": order,
            }
    past_the_end = await api.http.get(path, params={"page_size": len(items), "page_number": 2})
    assert past_the_end.json()["data"] == [] and past_the_end.json()["metadata"]["recordCount"] == len(items)
    unknown = await api.http.get(path, params={"sort_by": "noSuchField"})
    assert unknown.status_code == 400 and error_of(unknown)["errorCode"] == "INVALID_QUERY_PARAMETER"


async def test_every_list_pages_and_sorts(api: Api, catalog: dict[str, Any]) -> None:
    await _populate(api, catalog)
    for segment in ENVIRONMENT_LISTS:
        await _check_list(api, f"{BASE}/{segment}")
    users = (await api.http.get("/v1/users")).json()["data"]
    for path in (*ADMIN_LISTS, f"/v1/users/{users[0]['id']}/apikeys"):
        await _check_list(api, path)

    # Filters narrow the count, not just the page.
    everything = (await api.http.get(f"{BASE}/volumes")).json()["metadata"]["recordCount"]
    data = await api.http.get(f"{BASE}/volumes", params={"type": "DATA", "page_size": 1})
    assert data.json()["metadata"]["recordCount"] == 1 < everything
    groups = await api.http.get(f"{BASE}/affinitygroups", params={"type": "HOST ANTI-AFFINITY"})
    assert [group["name"] for group in groups.json()["data"]] == ["Web"]
