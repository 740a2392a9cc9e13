"""The lean lane for hot reads answers byte for byte what the routed endpoints answer, and only
when it can: a first request, an error or a query it does not know goes to the routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from cloudca.server.api import fastlane
from tests.support import BASE, Api

Answer = Callable[..., Awaitable[bool]]


def lane_routes(app: FastAPI) -> tuple[APIRoute, ...]:
    """The routes the application's lean lane serves (taken from its routers)."""
    lane: fastlane.LeanLane = app.state.lean_lane
    return lane.routes


async def _get(
    api: Api, monkeypatch: pytest.MonkeyPatch, path: str, *, lane: bool
) -> tuple[httpx.Response, list[bool]]:
    """GET ``path`` with the lane on (recording whether it answered) or off."""
    real: Answer = fastlane.answer
    answered: list[bool] = []

    async def spy(*args: Any) -> bool:
        answered.append(await real(*args))
        return answered[-1]

    async def off(*_args: Any) -> bool:
        return False

    with monkeypatch.context() as patch:
        patch.setattr(fastlane, "answer", spy if lane else off)
        response = await api.http.get(path)
    return response, answered


async def test_the_lane_answers_as_the_routes_do(
    app: FastAPI, api: Api, catalog: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await api.create_instance(catalog, name="one")
    await api.create_instance(catalog, name="two")
    stop = await api.http.post(f"{BASE}/instances/{first['id']}?operation=stop")
    task_id = (await api.finished(stop))["taskId"]
    paths = [
        f"{BASE}/instances/{first['id']}",
        f"{BASE}/instances/{first['id'].upper()}",
        f"/v1/tasks/{task_id}",
        f"{BASE}/instances?page_size=1",
        f"{BASE}/instances?page_size=1&page_number=2",
        f"{BASE}/instances?page_size=5&page_number=9",
    ]
    # Every route the lane serves is compared below (the lane takes its routes from the routers).
    served = lane_routes(app)
    covered = {route.path for route in served for path in paths if route.path_regex.match(path.split("?")[0])}
    assert covered == {route.path for route in served}
    for path in paths:
        routed, _ = await _get(api, monkeypatch, path, lane=False)
        laned, answered = await _get(api, monkeypatch, path, lane=True)
        assert answered == [True], path
        assert (laned.status_code, laned.content) == (routed.status_code, routed.content), path
        assert dict(laned.headers) == dict(routed.headers), path


async def test_errors_and_other_queries_go_to_the_routes(
    api: Api, catalog: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = await api.create_instance(catalog)
    await api.http.get(f"{BASE}/instances/{instance['id']}")  # the caller and scope are now cached
    for path in (
        f"{BASE}/instances/00000000-0000-4000-8000-000000000000",
        "/v1/tasks/00000000-0000-4000-8000-000000000000",
        f"{BASE}/instances?page_size=1&state=Running",
        f"{BASE}/instances?page_size=0",
        f"{BASE}/instances",
        f"{BASE}/instances/{instance['id']}?org_id=cloudca",
    ):
        _, answered = await _get(api, monkeypatch, path, lane=True)
        assert answered == [False], path
    # Refused at the edge, before the lane is asked: the lane never sees a request it may not answer.
    response, answered = await _get(
        api, monkeypatch, f"{BASE}/instances/{instance['id']}?org_id=x", lane=True
    )
    assert (response.status_code, answered) == (403, [])
    unknown = httpx.Headers({"MC-Api-Key": "not-a-key"})
    response = await api.http.get(f"{BASE}/instances/{instance['id']}", headers=unknown)
    assert response.status_code == 401


async def test_the_lane_serves_only_get_routes_of_the_application(app: FastAPI, api: Api) -> None:
    """No path of its own: each route it serves is a documented GET of the running application."""
    documented = (await api.http.get("/openapi.json")).json()["paths"]
    served = lane_routes(app)
    assert served
    for route in served:
        assert "get" in documented[route.path], route.path
