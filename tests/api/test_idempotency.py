"""Idempotency-Key on mutations (Stripe's semantics): a retried create gets the first answer and
the same task, not a second instance; the same key with another body is a 409 with the envelope;
keys belong to one API key; answers hold across a restart (they are in the database).

Issue 10, "Why": a client that retried a timed-out create got two instances."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ServeFactory
from tests.api.tenants import data
from tests.support import BASE, Api


def _body(catalog: dict[str, Any], name: str = "once") -> dict[str, Any]:
    return {
        "name": name,
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
    }


async def _names(api: Api) -> list[str]:
    return [instance["name"] for instance in (await api.http.get(f"{BASE}/instances")).json()["data"]]


async def test_a_retried_create_gets_the_same_task(api: Api, catalog: dict[str, Any]) -> None:
    headers = {"Idempotency-Key": "create-once-1"}
    first = await api.http.post(f"{BASE}/instances", json=_body(catalog), headers=headers)
    retry = await api.http.post(f"{BASE}/instances", json=_body(catalog), headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    await api.task(first.json()["taskId"])
    assert await _names(api) == ["once"]
    # Without the key, the same body is a new request.
    await api.succeeded(await api.http.post(f"{BASE}/instances", json=_body(catalog)))
    assert await _names(api) == ["once", "once"]


async def test_the_same_key_with_another_body_is_refused(api: Api, catalog: dict[str, Any]) -> None:
    headers = {"Idempotency-Key": "create-once-2"}
    await api.finished(await api.http.post(f"{BASE}/instances", json=_body(catalog), headers=headers))
    other = await api.http.post(f"{BASE}/instances", json=_body(catalog, "other"), headers=headers)
    assert other.status_code == 409
    [error] = other.json()["errors"]
    assert error["errorCode"] == "IDEMPOTENCY_KEY_REUSED"
    assert error["context"]["idempotencyKey"] == "create-once-2"
    assert await _names(api) == ["once"]


async def test_a_retried_destroy_and_a_refusal_are_replayed(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    headers = {"Idempotency-Key": "destroy-it"}
    url = f"{BASE}/instances/{instance['id']}"
    first = await api.http.delete(url, headers=headers)
    await api.finished(first)
    retry = await api.http.delete(url, headers=headers)
    assert retry.json() == first.json()  # not "already destroyed"
    refused = await api.http.post(url, params={"operation": "stop"}, headers={"Idempotency-Key": "stop"})
    assert refused.status_code == 400
    again = await api.http.post(url, params={"operation": "stop"}, headers={"Idempotency-Key": "stop"})
    assert (again.status_code, again.json()) == (400, refused.json())


async def test_keys_belong_to_one_api_key_and_survive_a_restart(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    async with serve() as server:
        first = await server.http.post(f"{BASE}/instances", json=_body(catalog), headers=headers)
        await server.api.task(first.json()["taskId"])
        [admin] = data(await server.http.get("/v1/users"))
        second = data(await server.http.post(f"/v1/users/{admin['id']}/apikeys", json={"name": "second"}))
    async with serve() as restarted:
        retry = await restarted.http.post(f"{BASE}/instances", json=_body(catalog), headers=headers)
        assert retry.json() == first.json()
        other_key = {**headers, "MC-Api-Key": second["apiKey"]}
        other = await restarted.http.post(f"{BASE}/instances", json=_body(catalog), headers=other_key)
        assert other.json()["taskId"] != first.json()["taskId"]
        await restarted.api.task(other.json()["taskId"])
        assert await _names(restarted.api) == ["once", "once"]


async def test_a_key_must_be_printable_and_bounded(api: Api, catalog: dict[str, Any]) -> None:
    response = await api.http.post(
        f"{BASE}/instances", json=_body(catalog), headers={"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorCode"] == "BAD_REQUEST"
