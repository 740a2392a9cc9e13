"""The published OpenAPI document describes what the server really sends."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cloudca.server.access import schemas as access_schemas
from cloudca.server.api.schemas import ErrorEnvelope, ListMetadata, TaskAccepted, TaskDocument
from cloudca.server.catalog import schemas as catalog_schemas
from cloudca.server.instances.schemas import Instance
from cloudca.server.networking import schemas as networking_schemas
from cloudca.server.placement import schemas as placement_schemas
from cloudca.server.sshkeys import schemas as sshkeys_schemas
from cloudca.server.storage import schemas as storage_schemas
from tests.api.conftest import GatedSimulator, Server
from tests.support import BASE, Api


def _conforms(model: type[BaseModel], data: dict[str, Any]) -> None:
    """Validates, and every key sent is documented (the models themselves tolerate extras)."""
    model.model_validate(data)
    undocumented = set(data) - set(model.model_fields)
    assert not undocumented, f"{model.__name__} does not document {undocumented}"


async def test_openapi_document_is_served_with_the_error_envelope(api: Api) -> None:
    response = await api.http.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    schemas = document["components"]["schemas"]
    assert {"ErrorEnvelope", "ErrorObject", "TaskDocument", "Instance"} <= set(schemas)
    assert set(schemas["ErrorObject"]["properties"]) == {"code", "errorCode", "message", "context"}
    paths = document["paths"]
    item = paths["/v1/services/{service_code}/{environment_name}/instances/{instance_id}"]
    for method in ("get", "put", "post", "delete"):
        answers = item[method]["responses"]
        assert answers["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
        assert "422" not in answers  # FastAPI's default validation answer is never sent
    assert "/v1/tasks/{task_id}" in paths


async def test_instance_responses_match_the_documented_models(api: Api, catalog: dict[str, Any]) -> None:
    accepted = await api.http.post(
        f"{BASE}/instances",
        json={
            "name": "documented",
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
        },
    )
    _conforms(TaskAccepted, accepted.json())
    task = await api.task(accepted.json()["taskId"])
    _conforms(TaskDocument, task)
    _conforms(Instance, task["result"])
    listing = (await api.http.get(f"{BASE}/instances", params={"page_size": 5, "sort_by": "name"})).json()
    _conforms(ListMetadata, listing["metadata"])
    for item in listing["data"]:
        _conforms(Instance, item)
    _conforms(Instance, await api.get_instance(task["result"]["id"]))
    failed = await api.http.get(f"{BASE}/instances/{catalog['zone']}")
    _conforms(ErrorEnvelope, failed.json())


async def test_pending_and_failed_tasks_match_the_documented_model(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    instance = await server.api.create_instance(catalog)
    gate = driver.hold("stop")
    driver.inject_fault("stop")
    accepted = (await server.api.operation(instance["id"], "stop")).json()
    await gate.reached()
    _conforms(TaskDocument, (await server.http.get(f"/v1/tasks/{accepted['taskId']}")).json())
    gate.release()
    failed = await server.api.task(accepted["taskId"])
    assert failed["taskStatus"] == "FAILED"
    _conforms(TaskDocument, failed)
    _conforms(ErrorEnvelope, failed["result"])


async def test_catalog_and_administration_match_the_documented_models(api: Api) -> None:
    pairs: list[tuple[str, type[BaseModel]]] = [
        (f"{BASE}/zones", catalog_schemas.Zone),
        (f"{BASE}/templates", catalog_schemas.Template),
        (f"{BASE}/computeofferings", catalog_schemas.ComputeOffering),
        (f"{BASE}/diskofferings", catalog_schemas.DiskOffering),
        (f"{BASE}/vpcofferings", catalog_schemas.VpcOffering),
        (f"{BASE}/networkofferings", catalog_schemas.NetworkOffering),
        ("/v1/services/connections", access_schemas.ServiceConnection),
        ("/v1/organizations", access_schemas.Organization),
        ("/v1/environments", access_schemas.Environment),
        ("/v1/users", access_schemas.User),
    ]
    for path, model in pairs:
        body = (await api.http.get(path)).json()
        _conforms(ListMetadata, body["metadata"])
        assert body["data"], path
        for item in body["data"]:
            _conforms(model, item)
        _conforms(model, (await api.http.get(f"{path}/{body['data'][0]['id']}")).json()["data"])


async def test_every_route_documents_its_success_answer(api: Api) -> None:
    """The document describes the whole API (schemathesis and the SDK read it)."""
    document = (await api.http.get("/openapi.json")).json()
    undocumented = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "204" in operation["responses"]:
                continue  # answered without a body
            content = operation["responses"]["200"].get("content", {})
            # JSON everywhere but the metrics (Prometheus' text format), each with its schema.
            if not any(media.get("schema") for media in content.values()):
                undocumented.append(f"{method.upper()} {path}")
    assert undocumented == []


async def test_networking_storage_and_placement_match_the_documented_models(
    api: Api, catalog: dict[str, Any]
) -> None:
    from tests.api.test_snapshots import snapshot
    from tests.api.test_sshkeys import register

    instance = await api.create_instance(catalog, portsToForward=["22"])
    volume = await api.succeeded(
        await api.http.post(
            f"{BASE}/volumes",
            json={
                "name": "documented",
                "diskOfferingId": catalog["disk_fixed"],
                "instanceId": instance["id"],
            },
        )
    )
    await snapshot(api, volume["id"])
    await register(api, "documented")
    await api.succeeded(await api.http.post(f"{BASE}/affinitygroups", json={"name": "g", "description": "d"}))
    documented: dict[str, type[BaseModel]] = {
        "vpcs": networking_schemas.Vpc,
        "networks": networking_schemas.Network,
        "publicipaddresses": networking_schemas.PublicIp,
        "portforwardingrules": networking_schemas.PortForwardingRule,
        "nics": networking_schemas.Nic,
        "volumes": storage_schemas.Volume,
        "snapshots": storage_schemas.Snapshot,
        "sshkeys": sshkeys_schemas.SshKey,
        "affinitygroups": placement_schemas.AffinityGroup,
        "networkacls": networking_schemas.NetworkAcl,
        "networkaclrules": networking_schemas.NetworkAclRule,
    }
    for collection, model in documented.items():
        params = {"instance_id": instance["id"]} if collection == "nics" else {}
        if collection == "networkaclrules":
            params = {"network_acl_id": (await api.http.get(f"{BASE}/networkacls")).json()["data"][0]["id"]}
        listing = (await api.http.get(f"{BASE}/{collection}", params=params)).json()
        assert listing["data"], collection
        for item in listing["data"]:
            _conforms(model, item)
        one = (await api.http.get(f"{BASE}/{collection}/{listing['data'][0]['id']}")).json()
        _conforms(model, one["data"])
