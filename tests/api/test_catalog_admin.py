"""Reads of the catalog (API-CONTRACT 6.1-6.8) and of the administration resources (3.1-3.4)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from cloudca.server.bootstrap import seeded_id
from tests.support import BASE, Api, error_of

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def _list(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.http.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["metadata"]["recordCount"] == len(body["data"]) or "page_size" in params
    items: list[dict[str, Any]] = body["data"]
    for item in items:
        assert UUID_PATTERN.match(item["id"]), item
    return items


async def _get(api: Api, path: str) -> dict[str, Any]:
    response = await api.http.get(path)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    assert isinstance(data, dict)
    return data


#: Entity type -> (a seeded id, keys every item has).
CATALOG: dict[str, tuple[str, set[str]]] = {
    "zones": (seeded_id("zone", "QC-1"), {"id", "name"}),
    "templates": (
        seeded_id("template", "CentOS 6.8 PV"),
        {
            "id",
            "name",
            "description",
            "size",
            "isPublic",
            "availablePublicly",
            "isReady",
            "ready",
            "sshKeyEnabled",
            "passwordEnabled",
            "resizable",
            "osType",
            "availableInZones",
            "created",
        },
    ),
    "computeofferings": (
        seeded_id("computeOffering", "1vCPU.512MB"),
        {"id", "name", "custom", "cpuCount", "memoryInMB"},
    ),
    "diskofferings": (
        seeded_id("diskOffering", "20GB - 20 IOPS Min."),
        {"id", "name", "gbSize", "customSize", "customIops"},
    ),
    "vpcofferings": (seeded_id("vpcOffering", "Default VPC offering"), {"id", "name", "services", "state"}),
    "networkofferings": (
        seeded_id("networkOffering", "Standard Network"),
        {"id", "name", "services", "state"},
    ),
    "vpcs": (
        seeded_id("vpc", "prod-VPC"),
        {
            "id",
            "name",
            "description",
            "cidr",
            "zoneId",
            "zoneName",
            "state",
            "networkDomain",
            "vpcOfferingId",
        },
    ),
    "networks": (
        seeded_id("network", "Web-prod-VPC"),
        {
            "id",
            "name",
            "description",
            "vpcId",
            "zoneId",
            "zoneName",
            "cidr",
            "gateway",
            "netmask",
            "networkAclId",
            "networkOfferingId",
            "state",
        },
    ),
}


async def test_catalog_list_get_and_404(api: Api) -> None:
    for entity in sorted(CATALOG):
        await _check_entity(api, entity)


async def _check_entity(api: Api, entity: str) -> None:
    seeded, keys = CATALOG[entity]
    items = await _list(api, f"{BASE}/{entity}")
    assert seeded in {item["id"] for item in items}
    for item in items:
        if entity == "computeofferings" and item["custom"]:
            assert {"availableCpuCountValues", "availableMemoryInMBValues", "maxMemoryInMBToCpuRatio"} <= set(
                item
            )
            assert "cpuCount" not in item
            continue
        if entity == "diskofferings" and item["customSize"]:
            assert "gbSize" not in item
            continue
        assert keys <= set(item), (entity, keys - set(item))
    item = await _get(api, f"{BASE}/{entity}/{seeded.upper()}")
    assert item["id"] == seeded and keys <= set(item)
    missing = str(uuid.uuid4())
    response = await api.http.get(f"{BASE}/{entity}/{missing}")
    assert response.status_code == 404
    assert error_of(response)["errorCode"] == "NOT_FOUND"
    paged = await api.http.get(
        f"{BASE}/{entity}", params={"page_size": 1, "sort_by": "name", "sort_order": "DESC"}
    )
    assert paged.status_code == 200 and len(paged.json()["data"]) == 1
    assert paged.json()["metadata"]["recordCount"] == len(items)


async def test_template_facts(api: Api, catalog: dict[str, Any]) -> None:
    centos = await _get(api, f"{BASE}/templates/{catalog['template']}")
    assert centos["isReady"] is centos["ready"] is True
    assert centos["isPublic"] == centos["availablePublicly"]
    assert (
        centos["passwordEnabled"] is True and centos["sshKeyEnabled"] is True and centos["resizable"] is False
    )
    assert centos["availableInZones"] == [catalog["zone"]]
    assert isinstance(centos["size"], int) and centos["size"] > 0
    assert ISO_MS.match(centos["created"])
    ubuntu = await _get(api, f"{BASE}/templates/{catalog['template_ssh_only']}")
    assert ubuntu["passwordEnabled"] is False


async def test_network_filters(api: Api, catalog: dict[str, Any]) -> None:
    both = {catalog["network"], catalog["network_db"]}
    assert {n["id"] for n in await _list(api, f"{BASE}/networks", vpc_id=catalog["vpc"])} == both
    assert {n["id"] for n in await _list(api, f"{BASE}/networks", zone_id=catalog["zone"])} == both
    assert await _list(api, f"{BASE}/networks", vpc_id=str(uuid.uuid4())) == []
    # The Go client's ListOfVpc sends the VPC id as the parameter name: ignored, unfiltered list.
    assert {n["id"] for n in await _list(api, f"{BASE}/networks", **{catalog["vpc"]: catalog["vpc"]})} == both
    bad = await api.http.get(f"{BASE}/networks", params={"vpc_id": "nope"})
    assert bad.status_code == 400 and error_of(bad)["errorCode"] == "INVALID_QUERY_PARAMETER"


async def test_service_connections(api: Api) -> None:
    [connection] = await _list(api, "/v1/services/connections")
    assert connection["serviceCode"] == "compute-qc" and connection["type"] == "CloudCA"
    single = await _get(api, f"/v1/services/connections/{connection['id']}")
    assert single == connection  # an object, not an array
    assert (await api.http.get(f"/v1/services/connections/{uuid.uuid4()}")).status_code == 404


async def test_organizations(api: Api, catalog: dict[str, Any]) -> None:
    [organization] = await _list(api, "/v1/organizations")
    assert organization["entryPoint"] == "cloudca"
    assert {"id", "name", "entryPoint", "billableStartDate", "isBillable", "tags", "environments", "roles",
            "serviceConnections", "users"} <= set(organization)  # fmt: skip
    assert {"id": catalog["environment"]} in organization["environments"]
    assert await _get(api, f"/v1/organizations/{organization['id']}") == organization
    assert (await api.http.get(f"/v1/organizations/{uuid.uuid4()}")).status_code == 404


async def test_environments(api: Api, catalog: dict[str, Any]) -> None:
    [listed] = await _list(api, "/v1/environments")
    environment = await _get(api, f"/v1/environments/{catalog['environment']}")
    assert listed["id"] == environment["id"] == catalog["environment"]
    assert environment["name"] == "prod"
    assert environment["serviceConnection"]["serviceCode"] == "compute-qc"  # what T builds URLs from
    assert environment["organization"]["entryPoint"] == "cloudca"
    assert ISO_MS.match(environment["creationDate"])
    roles = {role["name"]: role for role in environment["roles"]}
    assert set(roles) == {"Environment Admin", "User", "Read-only"}
    assert [name for name, role in roles.items() if role["isDefault"]] == ["User"]
    [admin] = roles["Environment Admin"]["users"]
    assert admin["userName"] == admin["name"] == "admin"
    assert {"id": admin["id"], "userName": "admin"} in environment["users"]
    response = await api.http.get(f"/v1/environments/{uuid.uuid4()}")
    assert response.status_code == 404 and error_of(response)["errorCode"] == "NOT_FOUND"


async def test_users(api: Api, catalog: dict[str, Any]) -> None:
    [user] = await _list(api, "/v1/users")
    assert user["userName"] == "admin" and user["status"] == "ACTIVE"
    organization_id = user["organization"]["id"]
    assert [u["id"] for u in await _list(api, "/v1/users", organizationId=organization_id)] == [user["id"]]
    assert await _list(api, "/v1/users", organizationId=str(uuid.uuid4())) == []
    single = await _get(api, f"/v1/users/{user['id']}")
    assert {"id": catalog["environment"], "name": "prod"} in single["environments"]
    assert (await api.http.get(f"/v1/users/{uuid.uuid4()}")).status_code == 404
