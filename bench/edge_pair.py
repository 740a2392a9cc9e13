"""One process, no HTTP server: N requests of one kind straight through the application's ASGI
callable with C at a time, for a whole-process CPU comparison of two versions of the code.

    python -m bench.edge_pair get_instance 4000        # or create 300, lifecycle 100

Pair two versions by running this command under each tree's ``src`` on ``PYTHONPATH``, A B A B,
and compare their user+sys CPU (``/usr/bin/time`` or any paired timer): the seeding is the same
on both sides, so what differs is the path under test. ``CLOUDCA_MAX_ACTIVE_REQUESTS`` and the
other settings come from the environment, as for ``cloudca serve``. Prints a line of counts, never
a time (time it from outside).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import orjson

from cloudca.server.app import create_app
from cloudca.server.bootstrap import seeded_id
from cloudca.server.config import Settings

KEY = "bench-edge-pair-key-0123456789abcdefghijklmnopqrstuvwxyz"
BASE = "/v1/services/compute-qc/prod"


async def call(app: Any, method: str, path: str, body: bytes = b"") -> tuple[int, Any]:
    """One request through the ASGI callable; the status and the decoded body."""
    raw_path, _, query = path.partition("?")
    scope: MutableMapping[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "headers": [(b"mc-api-key", KEY.encode()), (b"content-type", b"application/json")]
        + ([(b"content-length", str(len(body)).encode())] if body else []),
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "root_path": "",
        "app": app,
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    data = b"".join(chunks)
    return status, orjson.loads(data) if data else None


async def finished(app: Any, answer: Any) -> Any:
    """The task's result once it ended SUCCESS (inline tasks end in the request)."""
    task_id = answer["taskId"]
    while True:
        status, task = await call(app, "GET", f"/v1/tasks/{task_id}?wait=30")
        assert status == 200, task
        if task["data"]["status"] == "SUCCESS":
            return task["data"]["result"]
        assert task["data"]["status"] == "PENDING", task


def create_body(index: int) -> bytes:
    return orjson.dumps(
        {
            "name": f"pair-{index}",
            "templateId": seeded_id("template", "CentOS 6.8 PV"),
            "computeOfferingId": seeded_id("computeOffering", "1vCPU.512MB"),
            "networkId": seeded_id("network", "Web-prod-VPC"),
        }
    )


async def one(app: Any, kind: str, index: int, instance_id: str, task_id: str) -> None:
    if kind == "get_instance":
        status, _ = await call(app, "GET", f"{BASE}/instances/{instance_id}")
    elif kind == "get_task":
        status, _ = await call(app, "GET", f"/v1/tasks/{task_id}")
    elif kind == "list_100":
        status, _ = await call(app, "GET", f"{BASE}/instances?page_size=100")
    elif kind == "create":
        status, answer = await call(app, "POST", f"{BASE}/instances", create_body(index))
        await finished(app, answer)
    else:  # lifecycle
        status, answer = await call(app, "POST", f"{BASE}/instances", create_body(index))
        made = (await finished(app, answer))["id"]
        for step in ("stop", "start"):
            _, answer = await call(app, "POST", f"{BASE}/instances/{made}?operation={step}")
            await finished(app, answer)
        _, answer = await call(app, "DELETE", f"{BASE}/instances/{made}", b'{"purgeImmediately":true}')
        await finished(app, answer)
    assert status == 200, (kind, status)


async def main(kind: str, count: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings.from_env(data_dir=Path(data_dir), api_key=KEY, database_url="")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            seeds: list[Any] = []
            task_id = ""
            for i in range(100):
                _, answer = await call(app, "POST", f"{BASE}/instances", create_body(i))
                seeds.append(await finished(app, answer))
                task_id = answer["taskId"]
            queue = iter(range(count))

            async def worker() -> None:
                for index in queue:
                    await one(app, kind, 1000 + index, seeds[index % 100]["id"], task_id)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
    print(f"{kind}: {count} done, {concurrency} at a time")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 16))
