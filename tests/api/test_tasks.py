"""Tasks (API-CONTRACT 2.2, 2.3): both shapes, long-polling, failures, visibility, retention, timeout."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from sqlalchemy import func, select

from cloudca.server.instances.models import Instance
from tests.api.conftest import GatedSimulator, ServeFactory, Server
from tests.api.tenants import create_user, data
from tests.support import BASE, Api, error_of

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _body(catalog: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "task-test",
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
    }


async def test_finished_task_has_both_shapes(api: Api, catalog: dict[str, Any]) -> None:
    accepted = await api.http.post(f"{BASE}/instances", json=_body(catalog))
    task_id = accepted.json()["taskId"]
    task = await api.task(task_id)
    assert set(task) == {"taskId", "taskStatus", "result", "data"}
    assert (task["taskId"], task["taskStatus"]) == (task_id, "SUCCESS")
    assert set(task["data"]) == {"id", "status", "created", "result"}
    assert (task["data"]["id"], task["data"]["status"]) == (task_id, "SUCCESS")
    assert ISO_MS.match(task["data"]["created"])
    assert task["result"] == task["data"]["result"]
    assert task["result"]["state"] == "Running" and task["result"]["password"]
    # Still retrievable afterwards, unchanged, and by an uppercase id too.
    again = await api.http.get(f"/v1/tasks/{task_id.upper()}")
    assert again.status_code == 200 and again.json() == task


async def test_pending_task_omits_result(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    gate = driver.hold("create")
    accepted = (await server.http.post(f"{BASE}/instances", json=_body(catalog))).json()
    assert accepted == {"taskId": accepted["taskId"], "taskStatus": "PENDING"}  # no data while pending
    await gate.reached()
    for wait in ("0", ""):
        pending = (await server.http.get(f"/v1/tasks/{accepted['taskId']}", params={"wait": wait})).json()
        assert pending["taskStatus"] == "PENDING" and "result" not in pending
        assert set(pending["data"]) == {"id", "status", "created"}
        assert pending["data"]["status"] == "PENDING"
    gate.release()
    assert (await server.api.task(accepted["taskId"]))["taskStatus"] == "SUCCESS"


async def test_wait_returns_when_the_task_ends(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    instance = await server.api.create_instance(catalog)
    gate = driver.hold("stop")
    task_id = (await server.api.operation(instance["id"], "stop")).json()["taskId"]
    await gate.reached()
    poll = asyncio.create_task(server.http.get(f"/v1/tasks/{task_id}", params={"wait": "60"}))
    gate.release()
    response = await poll
    assert response.status_code == 200
    assert response.json()["taskStatus"] == "SUCCESS"
    assert response.json()["result"]["state"] == "Stopped"


async def test_failed_task_reports_errors_inside_result(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    instance = await server.api.create_instance(catalog)
    driver.inject_fault("stop")
    task = await server.api.finished(await server.api.operation(instance["id"], "stop"))
    assert task["taskStatus"] == "FAILED" and task["data"]["status"] == "FAILED"
    assert "errors" not in task and "errors" not in task["data"]
    assert set(task["result"]) == {"errors"} and task["data"]["result"] == task["result"]
    [error] = task["result"]["errors"]
    assert set(error) == {"code", "errorCode", "message", "context"}
    assert (error["code"], error["errorCode"]) == (5000, "INTERNAL_ERROR")
    # The failure happened before anything changed: the instance is as it was.
    assert (await server.api.get_instance(instance["id"]))["state"] == "Running"


async def test_invalid_wait_values(api: Api, catalog: dict[str, Any]) -> None:
    task_id = (await api.http.post(f"{BASE}/instances", json=_body(catalog))).json()["taskId"]
    for wait in ("abc", "-1", "61", "1e9", "nan"):
        response = await api.http.get(f"/v1/tasks/{task_id}", params={"wait": wait})
        assert response.status_code == 400, wait
        error = error_of(response)
        assert error["errorCode"] == "INVALID_QUERY_PARAMETER" and error["context"]["parameter"] == "wait"


async def test_unknown_task_is_404(api: Api) -> None:
    for task_id in (str(uuid.uuid4()), "not-a-task"):
        response = await api.http.get(f"/v1/tasks/{task_id}")
        assert response.status_code == 404
        error = error_of(response)
        assert (error["code"], error["errorCode"]) == (1200, "NOT_FOUND")


async def test_another_organizations_task_is_404(api: Api, catalog: dict[str, Any]) -> None:
    task_id = (await api.http.post(f"{BASE}/instances", json=_body(catalog))).json()["taskId"]
    await api.task(task_id)
    other = data(await api.http.post("/v1/organizations", json={"name": "other", "entryPoint": "other"}))
    _, stranger_key = await create_user(api, "stranger", other["id"], roles=[{"name": "Administrator"}])
    response = await api.http.get(f"/v1/tasks/{task_id}", headers={"MC-Api-Key": stranger_key})
    assert response.status_code == 404 and error_of(response)["errorCode"] == "NOT_FOUND"


async def test_mutations_answer_with_a_task(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    iid = instance["id"]
    for send in (
        lambda: api.operation(iid, "reboot"),
        lambda: api.http.put(f"{BASE}/instances/{iid}", json={"name": "n"}),
        lambda: api.http.delete(f"{BASE}/instances/{iid}"),
    ):
        response = await send()
        assert response.status_code == 200
        body = response.json()
        assert body["taskStatus"] in ("PENDING", "SUCCESS")
        assert (await api.task(body["taskId"]))["taskStatus"] == "SUCCESS"


async def test_finished_tasks_expire(serve: ServeFactory, catalog: dict[str, Any]) -> None:
    async with serve(task_retention_seconds=0) as server:
        task_id = (await server.http.post(f"{BASE}/instances", json=_body(catalog))).json()["taskId"]
        assert (await server.api.task(task_id))["taskStatus"] == "SUCCESS"
        assert await server.runtime.tasks.purge_expired() >= 1
        assert (await server.http.get(f"/v1/tasks/{task_id}")).status_code == 404
    async with serve() as server:  # the default keeps them (>= 30 minutes)
        task_id = (await server.http.post(f"{BASE}/instances", json=_body(catalog))).json()["taskId"]
        await server.api.task(task_id)
        assert await server.runtime.tasks.purge_expired() == 0
        assert (await server.http.get(f"/v1/tasks/{task_id}")).status_code == 200


async def test_a_task_that_runs_too_long_fails(serve: ServeFactory, catalog: dict[str, Any]) -> None:
    driver = GatedSimulator()
    gate = driver.hold("start")  # never released while the task may run
    async with serve(driver=driver, task_timeout_seconds=1) as server:
        task = await server.api.finished(await server.http.post(f"{BASE}/instances", json=_body(catalog)))
        assert task["taskStatus"] == "FAILED"
        assert task["result"]["errors"][0]["errorCode"] == "INTERNAL_ERROR"
        async with server.runtime.database.session() as session:
            assert (await session.execute(select(func.count()).select_from(Instance))).scalar_one() == 0
        gate.release()
