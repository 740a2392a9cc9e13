"""The serial console over a WebSocket (a cloudca extension), on the simulator's stand-in console.

The app runs under uvicorn in the test's own event loop (WebSockets need a real server); the
simulator's console echoes what is typed and runs ``echo`` and ``hostname``
(tests/e2e/test_libvirt_day_two.py types on a real guest's console).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from cloudca.server.app import create_app
from cloudca.server.config import Settings
from tests.conftest import API_KEY
from tests.live import free_port
from tests.support import BASE, Api

HEADERS = {"MC-Api-Key": API_KEY}


class Served:
    def __init__(self, port: int, http: httpx.AsyncClient) -> None:
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.http = http
        self.api = Api(http)


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        assert not serving.done() and time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.02)  # Polling the server's start with a deadline.
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=HEADERS) as http:
            yield Served(port, http)
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)


async def _instance(served: Served, catalog: dict[str, Any], name: str = "console-one") -> dict[str, Any]:
    return await served.api.create_instance(catalog, name=name)


async def _type_and_read(websocket: ClientConnection, line: str, expected: str) -> str:
    """Type ``line`` and Enter; read until ``expected`` shows on a line after the echo (bounded)."""
    await websocket.send(line.encode() + b"\r")
    seen = ""
    async with asyncio.timeout(10):
        while f"\r\n{expected}\r\n" not in seen.split(line, 1)[-1]:
            seen += bytes(await websocket.recv()).decode()
    return seen


async def test_typing_a_command_on_the_console_shows_its_output(
    served: Served, catalog: dict[str, Any]
) -> None:
    instance = await _instance(served, catalog)
    url = f"{served.ws_url}{BASE}/instances/{instance['id']}/console"

    async with connect(url, additional_headers=HEADERS) as websocket:
        banner = bytes(await websocket.recv()).decode()
        assert banner.endswith("$ ")
        await _type_and_read(websocket, "echo hello-from-the-console", "hello-from-the-console")


async def test_a_browser_attaches_with_a_ticket_that_works_once(
    served: Served, catalog: dict[str, Any]
) -> None:
    instance = await _instance(served, catalog)
    answer = await served.http.post(f"{BASE}/instances/{instance['id']}/console")
    assert answer.status_code == 200, answer.text
    ticket = answer.json()["data"]
    assert ticket["url"].endswith(f"/instances/{instance['id']}/console?ticket={ticket['ticket']}")

    async with connect(served.ws_url + ticket["url"]) as websocket:  # No API key header.
        await websocket.recv()
        await _type_and_read(websocket, "hostname", "console-one")

    with pytest.raises(InvalidStatus) as refused:
        async with connect(served.ws_url + ticket["url"]):
            pass
    assert refused.value.response.status_code == 401


async def test_the_console_refuses_without_a_key_and_when_the_instance_is_not_running(
    served: Served, catalog: dict[str, Any]
) -> None:
    instance = await _instance(served, catalog)
    path = f"{BASE}/instances/{instance['id']}/console"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(served.ws_url + path):
            pass
    assert refused.value.response.status_code == 401
    assert b'"errorCode"' in refused.value.response.body

    await served.api.succeeded(await served.api.operation(instance["id"], "stop"))
    with pytest.raises(InvalidStatus) as refused:
        async with connect(served.ws_url + path, additional_headers=HEADERS):
            pass
    assert refused.value.response.status_code == 400
    assert (await served.http.post(path)).status_code == 400  # No ticket either.


async def test_the_console_of_an_unknown_instance_is_not_found(served: Served) -> None:
    path = f"{BASE}/instances/00000000-0000-4000-8000-000000000000/console"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(served.ws_url + path, additional_headers=HEADERS):
            pass
    assert refused.value.response.status_code == 404
