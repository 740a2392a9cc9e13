"""A list's names (zone, template, offering, network, VPC) are never stale: each process keeps them in
memory (``instances.read_model``), and a rename committed by any writer shows in the next page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from cloudca.server.bootstrap import seeded_id
from cloudca.server.catalog.models import Template
from cloudca.server.runtime import Runtime
from tests.support import BASE, Api

#: The default page (the lean lane on SQLite), the routed default page, and a filtered list (joined).
LISTS: tuple[dict[str, Any], ...] = ({"page_size": 100}, {"page_size": 100, "page_number": 1}, {})


async def _listed(api: Api, instance_id: str, params: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.get(f"{BASE}/instances", params=params)
    assert response.status_code == 200, response.text
    (item,) = [item for item in response.json()["data"] if item["id"] == instance_id]
    return item  # type: ignore[no-any-return]


async def _every_list(api: Api, instance_id: str) -> list[dict[str, Any]]:
    return [await _listed(api, instance_id, params) for params in LISTS]


@pytest.mark.parametrize("entity", ["networks", "vpcs"])
async def test_a_renamed_network_or_vpc_shows_at_once_in_lists(
    api: Api, catalog: dict[str, Any], entity: str
) -> None:
    instance = await api.create_instance(catalog)
    field, entity_id = (
        ("networkName", catalog["network"]) if entity == "networks" else ("vpcName", catalog["vpc"])
    )
    before = await _every_list(api, instance["id"])  # every process's copy of the names is loaded
    assert {item[field] for item in before} == {instance[field]}

    await api.succeeded(await api.http.put(f"{BASE}/{entity}/{entity_id}", json={"name": "renamed"}))

    after = await _every_list(api, instance["id"])
    assert [item[field] for item in after] == ["renamed"] * len(LISTS)
    assert (await api.get_instance(instance["id"]))[field] == "renamed"
    # Nothing else in the item changed.
    assert [{**item, field: None} for item in after] == [{**item, field: None} for item in before]


async def test_a_template_renamed_by_an_operator_shows_at_once_in_lists(
    api: Api, catalog: dict[str, Any], runtime: Runtime
) -> None:
    """A writer outside the server's code (here an operator's SQL) is caught too: the counters move
    in the database, in the same transaction as the rename."""
    instance = await api.create_instance(catalog)
    assert {item["templateName"] for item in await _every_list(api, instance["id"])} == {
        instance["templateName"]
    }
    async with runtime.database.transaction() as session:
        await session.execute(
            update(Template)
            .where(Template.id == catalog["template"])
            .values(name="CentOS renamed", username="operator")
        )

    for item in await _every_list(api, instance["id"]):
        assert (item["templateName"], item["username"]) == ("CentOS renamed", "operator")


async def test_a_network_created_after_the_names_were_loaded_is_named(
    api: Api, catalog: dict[str, Any]
) -> None:
    await _every_list(api, (await api.create_instance(catalog))["id"])  # names loaded
    body = {
        "name": "late",
        "description": "created after the first list",
        "vpcId": catalog["vpc"],
        "networkOfferingId": seeded_id("networkOffering", "Standard Network"),
        "networkAclId": seeded_id("networkAcl", "default_allow"),
    }
    network = await api.succeeded(await api.http.post(f"{BASE}/networks", json=body))
    instance = await api.create_instance(catalog, networkId=network["id"])

    for item in await _every_list(api, instance["id"]):
        assert (item["networkId"], item["networkName"]) == (network["id"], "late")


async def test_the_default_page_is_the_joined_list_item_for_item(api: Api, catalog: dict[str, Any]) -> None:
    """The default page builds its items from the names in memory; any other list joins the tables.
    Both give the same items, keys in the same order."""
    await api.create_instance(catalog, name="one")
    await api.create_instance(catalog, name="two", networkId=catalog["network_db"])
    await api.create_instance(catalog, name="three", computeOfferingId=catalog["offering_big"])
    joined = (await api.http.get(f"{BASE}/instances")).json()["data"]
    for params in LISTS[:2]:
        paged = (await api.http.get(f"{BASE}/instances", params=params)).json()["data"]
        assert paged == joined
        assert [list(item) for item in paged] == [list(item) for item in joined]
