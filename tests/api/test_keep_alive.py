"""A failed request never costs the connection: after a 500 (with the envelope), the next request on
the same kept-alive connection is answered. Over a real uvicorn server, which is what closes
connections; ASGI transports in tests have none.

Issue 10, "Why": after any 500 the server dropped the kept-alive connection."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from cloudca.server.app import create_app
from cloudca.server.config import Settings
from tests.conftest import API_KEY
from tests.support import BASE


@pytest.fixture
async def live_url(settings: Settings) -> AsyncIterator[str]:
    # A socket already listening: clients may connect at once (the kernel queues them until
    # uvicorn accepts), so no readiness polling is needed.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)
        sock.close()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on an open connection; its status and body."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: cloudca.test\r\nMC-Api-Key: {API_KEY}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
    assert headers.get("connection") != "close"
    body = await reader.readexactly(int(headers["content-length"]))
    return int(lines[0].split()[1]), body


async def test_a_500_keeps_the_connection(live_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    # The page query of the templates list: looked up when the route runs.
    monkeypatch.setattr("cloudca.server.catalog.service.page", broken)
    host, port = live_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        async with asyncio.timeout(10):
            status, body = await _exchange(reader, writer, f"{BASE}/templates")
            assert status == 500
            assert b'"errorCode":"INTERNAL_ERROR"' in body
            status, body = await _exchange(reader, writer, f"{BASE}/zones")  # same connection
            assert status == 200, body
    finally:
        writer.close()
