"""The published OpenAPI document describes what the server really sends."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cloudca.server.access import schemas as access_schemas
from cloudca.server.api.schemas import ErrorEnvelope, ListMetadata, TaskAccepted, TaskDocument
from cloudca.server.catalog import schemas as catalog_schemas
from cloudca.server.instances.schemas import Instance
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
