"""A real ``cloudca serve`` process: data survives a restart, a task cut short by ``kill -9`` is
repaired at the next start, and the server answers its first request quickly.

Readiness and task ends are detected by polling the API (bounded in time), never by fixed sleeps.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudca.server.bootstrap import seeded_id
from tests.live import LiveServer
from tests.support import BASE, fresh_database

API_KEY = "e2e-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
STABLE_STATES = {"Running", "Stopped", "Destroyed", "Error"}
SEEDED_COLLECTIONS = (
    f"{BASE}/zones",
    f"{BASE}/templates",
    f"{BASE}/computeofferings",
    f"{BASE}/diskofferings",
    f"{BASE}/networks",
    f"{BASE}/vpcs",
    "/v1/environments",
    "/v1/organizations",
    "/v1/users",
    "/v1/services/connections",
)


@pytest.fixture
def database_url() -> Iterator[str]:
    """Empty (SQLite in the data directory), or a fresh PostgreSQL database (migrated)."""
    with fresh_database(os.environ.get("CLOUDCA_TEST_DATABASE_URL", "")) as url:
        yield url


@pytest.fixture
def servers(tmp_path: Path, database_url: str) -> Iterator[list[LiveServer]]:
    """Processes a test started; every one still running at the end is killed."""
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.kill()


def _start(servers: list[LiveServer], data_dir: Path, database_url: str, **env: str) -> LiveServer:
    defaults = {"CLOUDCA_API_KEY": API_KEY, "CLOUDCA_LOG_LEVEL": "warning"}
    server = LiveServer(data_dir, API_KEY, {**defaults, **env}, database_url=database_url)
    server.start()
    servers.append(server)
    print(f"cloudca serve: first request served {server.startup_seconds:.2f}s after launch")
    return server


def _wait_task(client: httpx.Client, task_id: str) -> dict[str, Any]:
    for _ in range(10):  # each poll holds up to 60 s; ten bound the whole wait
        task: dict[str, Any] = client.get(f"/v1/tasks/{task_id}", params={"wait": 60}).json()
        if task["taskStatus"] != "PENDING":
            return task
    raise AssertionError(f"task {task_id} never ended")


def _create(client: httpx.Client, name: str) -> httpx.Response:
    body = {
        "name": name,
        "templateId": seeded_id("template", "CentOS 6.8 PV"),
        "computeOfferingId": seeded_id("computeOffering", "1vCPU.512MB"),
        "networkId": seeded_id("network", "Web-prod-VPC"),
    }
    response = client.post(f"{BASE}/instances", json=body)
    assert response.status_code == 200, response.text
    return response


def _counts(client: httpx.Client) -> dict[str, int]:
    return {path: client.get(path).json()["metadata"]["recordCount"] for path in SEEDED_COLLECTIONS}


def test_restart_keeps_data_and_does_not_reseed(
    servers: list[LiveServer], tmp_path: Path, database_url: str
) -> None:
    first = _start(servers, tmp_path, database_url)
    # The requirement is < 2 s to the first served request; this bound only catches a hang, because
    # a loaded CI machine may be several times slower. The figure is printed.
    assert first.startup_seconds < 15
    with first.client() as client:
        created = _wait_task(client, _create(client, "survivor").json()["taskId"])
        assert created["taskStatus"] == "SUCCESS"
        instance_id = created["result"]["id"]
        stop = _wait_task(
            client, client.post(f"{BASE}/instances/{instance_id}?operation=stop").json()["taskId"]
        )
        assert stop["taskStatus"] == "SUCCESS"
        before = client.get(f"{BASE}/instances/{instance_id}").json()["data"]
        counts = _counts(client)
    first.stop()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status reports it.
    assert first.returncode in (0, -signal.SIGTERM)
    assert "Traceback" not in first.log_path.read_text()

    # No CLOUDCA_API_KEY this time: the key of the first start is remembered (as a hash).
    second = _start(servers, tmp_path, database_url, CLOUDCA_API_KEY="")
    with second.client() as client:
        assert client.get(f"{BASE}/instances/{instance_id}").json()["data"] == before
        assert _counts(client) == counts
        assert client.get(f"/v1/tasks/{created['taskId']}").json()["taskStatus"] == "SUCCESS"
        started = _wait_task(
            client, client.post(f"{BASE}/instances/{instance_id}?operation=start").json()["taskId"]
        )
        assert started["result"]["state"] == "Running"
    assert "first start" not in second.log_path.read_text()
    with httpx.Client(base_url=second.base_url, timeout=10) as raw:  # header names are case-insensitive
        for name in ("mc-api-key", "MC-API-KEY"):
            assert raw.get(f"{BASE}/instances", headers={name: API_KEY}).status_code == 200
        assert raw.get(f"{BASE}/instances").status_code == 401


def test_tasks_cut_short_by_kill_9_are_repaired(
    servers: list[LiveServer], tmp_path: Path, database_url: str
) -> None:
    # Short leases, so that on PostgreSQL (no start-up sweep) the janitor takes the orphans over soon.
    env = {"CLOUDCA_TASK_LEASE_SECONDS": "2"}
    first = _start(servers, tmp_path, database_url, **env)
    with first.client() as client:
        existing = _wait_task(client, _create(client, "existing").json()["taskId"])["result"]
    first.stop()

    slow = _start(servers, tmp_path, database_url, CLOUDCA_SIMULATOR_LATENCY="realistic", **env)
    with slow.client() as client:
        create_task = _create(client, "interrupted").json()["taskId"]
        stop_task = client.post(f"{BASE}/instances/{existing['id']}?operation=stop").json()["taskId"]
        pending = [
            client.get(f"/v1/tasks/{task_id}").json()["taskStatus"] for task_id in (create_task, stop_task)
        ]
        assert pending == ["PENDING", "PENDING"]  # realistic latency: seconds per operation
        states = {item["name"]: item["state"] for item in client.get(f"{BASE}/instances").json()["data"]}
        assert states == {"existing": "Stopping", "interrupted": "Starting"}
    slow.kill()

    third = _start(servers, tmp_path, database_url, **env)
    with third.client() as client:
        for task_id in (create_task, stop_task):
            task = _wait_task(client, task_id)
            assert task["taskStatus"] in ("FAILED", "SUCCESS"), task
            if task["taskStatus"] == "FAILED":
                assert task["result"]["errors"][0]["errorCode"] == "INTERNAL_ERROR"
        items = client.get(f"{BASE}/instances").json()["data"]
        assert {item["state"] for item in items} <= STABLE_STATES, items
        by_name = {item["name"]: item for item in items}
        assert by_name["existing"]["state"] in ("Running", "Stopped")
        if _wait_task(client, create_task)["taskStatus"] == "FAILED":
            assert "interrupted" not in by_name  # a failed create leaves nothing behind
        # The repaired instance takes new work.
        operation = "stop" if by_name["existing"]["state"] == "Running" else "start"
        response = client.post(f"{BASE}/instances/{existing['id']}?operation={operation}")
        assert _wait_task(client, response.json()["taskId"])["taskStatus"] == "SUCCESS"
