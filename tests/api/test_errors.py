"""The error envelope on every non-2xx answer, authentication and scoping, and the transport rules
of API-CONTRACT 1 (path normalisation, verbs, bodies, content types)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.conftest import ServeFactory
from tests.api.tenants import create_user
from tests.conftest import API_KEY
from tests.support import BASE, Api, error_of

MEDIA_TYPE = "application/json; charset=utf-8"


def _expect(response: httpx.Response, status: int, code: int, error_code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    error = error_of(response)
    assert (error["code"], error["errorCode"]) == (code, error_code), error
    return error


# ``/`` (redirects to the console) and ``/v1`` (name and version) are known: tests/api/test_service_info.py.
UNKNOWN_ROUTES = [
    "/nothing",
    "/v1/nothing",
    "/v2/services/compute-qc/prod/instances",
    f"{BASE}/bogusentities",
    f"{BASE}/instances/x/y",
]


async def test_unknown_route_is_endpoint_not_found(api: Api) -> None:
    for path in UNKNOWN_ROUTES:
        error = _expect(await api.http.get(path), 404, 1201, "ENDPOINT_NOT_FOUND")
        assert error["context"]["path"].rstrip("/") == path.rstrip("/")


UNKNOWN_SCOPES = [
    ("/v1/services/compute-xx/prod/instances", "serviceConnection"),
    ("/v1/services/connections/prod/instances", "serviceConnection"),
    ("/v1/services/compute-qc/staging/instances", "environment"),
    ("/v1/services/compute-qc/staging/zones", "environment"),
]


async def test_unknown_service_or_environment_is_not_found(api: Api) -> None:
    for path, entity_type in UNKNOWN_SCOPES:
        error = _expect(await api.http.get(path), 404, 1200, "NOT_FOUND")
        assert error["context"]["type"] == entity_type


async def test_wrong_verbs_are_405(api: Api, catalog: dict[str, Any]) -> None:
    cases = [
        ("DELETE", f"{BASE}/zones/{catalog['zone']}"),
        ("POST", f"{BASE}/zones"),
        ("PUT", f"{BASE}/computeofferings/{catalog['offering']}"),
        ("DELETE", f"{BASE}/diskofferings/{catalog['disk_fixed']}"),
        ("POST", f"{BASE}/vpcofferings"),
        ("PATCH", f"{BASE}/networkofferings"),
        ("PUT", f"{BASE}/instances"),
        ("DELETE", f"{BASE}/instances"),
        ("PATCH", f"{BASE}/instances/{uuid.uuid4()}"),
        ("POST", f"/v1/tasks/{uuid.uuid4()}"),
        ("DELETE", "/v1/services/connections"),
    ]
    for method, path in cases:
        error = _expect(await api.http.request(method, path), 405, 1300, "METHOD_NOT_ALLOWED")
        assert error["context"] == {"method": method}


async def test_malformed_bodies_are_bad_request(api: Api) -> None:
    for content in (b"{", b"{'single': 'quotes'}", b'{"a": 1,}', b"[]", b"42", b"null", b"\xff\xfe"):
        response = await api.http.post(
            f"{BASE}/instances", content=content, headers={"Content-Type": "application/json"}
        )
        _expect(response, 400, 1000, "BAD_REQUEST")


async def test_bodies_over_one_mib_are_refused(api: Api, catalog: dict[str, Any]) -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    with_length = await api.http.post(
        f"{BASE}/instances", content=big, headers={"Content-Type": "application/json"}
    )
    _expect(with_length, 400, 1000, "BAD_REQUEST")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    chunked = await api.http.post(
        f"{BASE}/instances", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in chunked.request.headers
    _expect(chunked, 400, 1000, "BAD_REQUEST")
    instances = await api.http.get(f"{BASE}/instances")
    assert instances.json()["metadata"]["recordCount"] == 0


async def test_a_body_just_under_the_limit_is_read(api: Api, catalog: dict[str, Any]) -> None:
    body = {"name": "big", "templateId": catalog["template"], "computeOfferingId": catalog["offering"]}
    body["padding"] = "x" * (1024 * 1024 - 300)
    response = await api.http.post(f"{BASE}/instances", json=body)
    error = _expect(response, 400, 1001, "MISSING_FIELD")  # parsed: only networkId is missing
    assert error["context"] == {"field": "networkId"}


KEYED_PATHS = [
    f"{BASE}/instances",
    f"{BASE}/zones",
    "/v1/tasks/x",
    "/v1/environments",
    "/v1/users",
    "/v1/services/connections",
]


async def test_missing_or_unknown_key_is_401(http: httpx.AsyncClient) -> None:
    transport = http._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://cloudca.test") as anonymous:
        for path in KEYED_PATHS:
            await _expect_401(anonymous, path)


async def _expect_401(anonymous: httpx.AsyncClient, path: str) -> None:
    _expect(await anonymous.get(path), 401, 1100, "UNAUTHORIZED")
    _expect(await anonymous.get(path, headers={"MC-Api-Key": "wrong"}), 401, 1100, "UNAUTHORIZED")
    _expect(await anonymous.get(path, headers={"MC-Api-Key": ""}), 401, 1100, "UNAUTHORIZED")


async def test_key_header_name_is_case_insensitive(http: httpx.AsyncClient) -> None:
    key = http.headers["MC-Api-Key"]
    async with httpx.AsyncClient(transport=http._transport, base_url="http://cloudca.test") as client:
        for name in ("mc-api-key", "MC-API-KEY", "Mc-Api-Key"):
            assert (await client.get(f"{BASE}/instances", headers={name: key})).status_code == 200


async def _user_with_key(api: Api, catalog: dict[str, Any], name: str, role: str | None) -> str:
    """A user of the seeded organization (no organization rights), member of ``prod`` with ``role``;
    made through the administration API."""
    roles = [{"name": role, "environment": {"id": catalog["environment"]}}] if role is not None else []
    _, key = await create_user(api, name, roles=roles)
    return key


@pytest.fixture
def people(catalog: dict[str, Any]) -> dict[str, Any]:
    from cloudca.server.bootstrap import seeded_id

    return {**catalog, "admin": seeded_id("user", "admin")}


async def test_non_member_is_forbidden(api: Api, people: dict[str, Any]) -> None:
    key = await _user_with_key(api, people, "outsider", None)
    headers = {"MC-Api-Key": key}
    _expect(await api.http.get(f"{BASE}/instances", headers=headers), 403, 1101, "FORBIDDEN")
    _expect(await api.http.get(f"{BASE}/zones", headers=headers), 403, 1101, "FORBIDDEN")
    _expect(await api.http.post(f"{BASE}/instances", json={}, headers=headers), 403, 1101, "FORBIDDEN")
    # The key itself is valid: the user can read itself.
    assert (await api.http.get("/v1/users", headers=headers)).status_code == 200


async def test_read_only_role_cannot_mutate(api: Api, people: dict[str, Any]) -> None:
    instance = await api.create_instance(people)
    key = await _user_with_key(api, people, "reader", "Read-only")
    headers = {"MC-Api-Key": key}
    assert (await api.http.get(f"{BASE}/instances", headers=headers)).json()["metadata"]["recordCount"] == 1
    assert (await api.http.get(f"{BASE}/instances/{instance['id']}", headers=headers)).status_code == 200
    iid = instance["id"]
    for method, path, params in (
        ("POST", f"{BASE}/instances", {}),
        ("POST", f"{BASE}/instances/{iid}", {"operation": "stop"}),
        ("PUT", f"{BASE}/instances/{iid}", {}),
        ("DELETE", f"{BASE}/instances/{iid}", {}),
    ):
        response = await api.http.request(method, path, params=params, json={"name": "x"}, headers=headers)
        _expect(response, 403, 1101, "FORBIDDEN")
    assert (await api.get_instance(iid))["state"] == "Running"
    user_key = await _user_with_key(api, people, "worker", "User")
    response = await api.http.post(
        f"{BASE}/instances/{iid}", params={"operation": "stop"}, headers={"MC-Api-Key": user_key}
    )
    assert (await api.succeeded(response))["state"] == "Stopped"


async def test_org_id_outside_the_callers_reach_is_forbidden(api: Api) -> None:
    response = await api.http.get(f"{BASE}/instances", params={"org_id": "no-such-org"})
    _expect(response, 403, 1101, "FORBIDDEN")
    assert (await api.http.get(f"{BASE}/instances", params={"org_id": "cloudca"})).status_code == 200


async def test_paths_are_normalised(api: Api, catalog: dict[str, Any]) -> None:
    created = await api.http.post(
        "/v1//services/compute-qc/prod/instances/",
        json={
            "name": "slashes",
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
        },
    )
    task_id = created.json()["taskId"]
    assert (await api.http.get(f"/v1//tasks/{task_id}?wait=30")).json()["taskStatus"] == "SUCCESS"
    for path in (
        "/v1//services/compute-qc/prod/instances",
        f"{BASE}/instances/",
        f"{BASE}//instances?",
        "/v1/services//compute-qc//prod/zones/",
    ):
        response = await api.http.get(path)
        assert response.status_code == 200, path
        assert response.json()["metadata"]["recordCount"] >= 1


async def test_json_content_type_with_empty_body_is_accepted(api: Api, catalog: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/json"}
    instance = await api.create_instance(catalog)
    iid = instance["id"]
    assert (
        await api.http.request("GET", f"{BASE}/instances", headers=headers, content=b"")
    ).status_code == 200
    assert (
        await api.http.request("GET", f"{BASE}/instances/{iid}", headers=headers, content=b"{}")
    ).status_code == 200
    stop = await api.http.post(f"{BASE}/instances/{iid}?operation=stop", headers=headers, content=b"")
    assert (await api.succeeded(stop))["state"] == "Stopped"
    destroy = await api.http.request("DELETE", f"{BASE}/instances/{iid}", headers=headers, content=b"")
    assert (await api.succeeded(destroy))["state"] == "Destroyed"


async def test_every_answer_is_json_utf8(api: Api, catalog: dict[str, Any]) -> None:
    for response in (
        await api.http.get(f"{BASE}/instances"),
        await api.http.get(f"{BASE}/zones/{catalog['zone']}"),
        await api.http.get("/v1/environments"),
        await api.http.post(f"{BASE}/instances", json={}),
        await api.http.get("/nowhere"),
    ):
        assert response.headers["content-type"] == MEDIA_TYPE


async def test_unexpected_failures_are_500_with_the_envelope(
    app: Any, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudca.server.instances import service

    async def broken(*_args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "list_instances", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://cloudca.test", headers=http.headers
    ) as client:
        error = _expect(await client.get(f"{BASE}/instances"), 500, 5000, "INTERNAL_ERROR")
    assert "boom" not in error["message"]  # internals are logged, not sent


async def test_a_client_gone_during_its_body_is_not_an_error(
    serve: ServeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that disconnects before sending its whole body is no failure of the server: no
    error is logged and nothing is created."""
    async with serve() as server:
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": f"{BASE}/instances",
            "raw_path": f"{BASE}/instances".encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"mc-api-key", API_KEY.encode()), (b"content-length", b"100")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        with caplog.at_level(logging.ERROR):
            await server.app(scope, receive, send)
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert (await server.api.http.get(f"{BASE}/instances")).json()["metadata"]["recordCount"] == 0
