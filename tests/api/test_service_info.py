"""What the server says about itself, and the extensions the console reads: ``/``, ``/v1``,
``/healthz``, ``/console``, the environment's task list, and readable field errors."""

from __future__ import annotations

from typing import Any

import httpx

from cloudca import __version__
from tests.support import BASE, Api, error_of


async def test_root_redirects_to_the_console(http: httpx.AsyncClient) -> None:
    response = await http.get("/", headers={"MC-Api-Key": ""})
    assert response.status_code == 307 and response.headers["location"] == "/console"


async def test_v1_and_healthz_answer_with_the_version_without_a_key(http: httpx.AsyncClient) -> None:
    for path in ("/v1", "/healthz"):
        response = await http.get(path, headers={"MC-Api-Key": ""})
        assert response.status_code == 200, path
        assert response.json()["version"] == __version__
    assert (await http.get("/healthz")).json()["status"] == "ok"
    assert (await http.get("/v1")).json()["documentation"] == "/docs"


async def test_console_page_and_assets_are_served(http: httpx.AsyncClient) -> None:
    page = await http.get("/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/console/assets/app.js" in page.text
    script = await http.get("/console/assets/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert (await http.get("/console/assets/no-such-file.js")).status_code == 404


async def test_tasks_of_the_environment_newest_first(api: Api, catalog: dict[str, Any]) -> None:
    created = await api.create_instance(catalog, name="listed")
    stop = await api.operation(created["id"], "stop")
    await api.succeeded(stop)
    listing = (await api.http.get(f"{BASE}/tasks", params={"entity_id": created["id"]})).json()
    kinds = [(task["kind"], task["status"]) for task in listing["data"]]
    assert kinds == [("instances.stop", "SUCCESS"), ("instances.create", "SUCCESS")]
    assert listing["data"][0]["id"] == stop.json()["taskId"]
    assert listing["data"][0]["result"]["state"] == "Stopped"
    assert listing["metadata"]["recordCount"] == 2


async def test_a_bad_host_name_is_explained_in_words(api: Api, catalog: dict[str, Any]) -> None:
    response = await api.http.post(
        f"{BASE}/instances",
        json={
            "name": "x",
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
            "hostname": "no dots.here",
        },
    )
    error = error_of(response)
    assert error["errorCode"] == "INVALID_FIELD" and error["context"]["field"] == "hostname"
    assert "letters, digits" in error["message"] and "[" not in error["message"]
