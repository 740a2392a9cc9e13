"""Two servers on one PostgreSQL database, in one test process: the task runner's cross-process
rules, each observed directly (the three-process kill test shows them together under load).

- a ``?wait=`` long-poll on one server wakes when the task ends on the other (LISTEN/NOTIFY);
- when a server goes away, the other repairs its running task at once, not after the lease;
- a server that loses its database connection cancels its in-flight driver calls at once, and
  the task is repaired once (issue 10: loss of liveness cancels in-flight driver calls before
  another process can take the task over).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from cloudca.server.app import create_app
from cloudca.server.config import Settings
from cloudca.server.instances.models import Instance
from cloudca.server.runtime import Runtime
from cloudca.server.tasks.models import Task
from cloudca.server.tasks.waiting import WAIT_SAFETY_NET_SECONDS
from tests.api.conftest import GatedSimulator
from tests.conftest import API_KEY
from tests.support import BASE

pytestmark = pytest.mark.postgres

#: Far longer than any bound below: a repair seen within those bounds did not wait for the lease.
LEASE_SECONDS = 300


@dataclass
class Node:
    runtime: Runtime
    http: httpx.AsyncClient
    driver: GatedSimulator


@pytest.fixture
def pg_settings(settings: Settings) -> Settings:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: CLOUDCA_TEST_DATABASE_URL is set by scripts/test's PostgreSQL pass")
    return dataclasses.replace(settings, task_lease_seconds=LEASE_SECONDS, task_drain_seconds=0.5)


@asynccontextmanager
async def node(settings: Settings) -> AsyncIterator[Node]:
    driver = GatedSimulator()
    application = create_app(settings, driver=driver)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://cloudca.test", headers={"MC-Api-Key": API_KEY}
        ) as client:
            yield Node(application.state.runtime, client, driver)


def _create_body(catalog: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "handover",
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
    }


async def _status(runtime: Runtime, task_id: str) -> str:
    async with runtime.database.session() as session:
        status: str = (await session.execute(select(Task.status).where(Task.id == task_id))).scalar_one()
    return status


async def _instances(runtime: Runtime) -> int:
    async with runtime.database.session() as session:
        count: int = (await session.execute(select(func.count()).select_from(Instance))).scalar_one()
    return count


async def test_wait_on_one_server_wakes_when_the_task_ends_on_another(
    pg_settings: Settings, catalog: dict[str, Any]
) -> None:
    async with node(pg_settings) as first, node(pg_settings) as second:
        gate = first.driver.hold("start")
        task_id = (await first.http.post(f"{BASE}/instances", json=_create_body(catalog))).json()["taskId"]
        await gate.reached()
        waiting = asyncio.create_task(second.http.get(f"/v1/tasks/{task_id}", params={"wait": 30}))
        for _ in range(500):  # until the long-poll waits on the second server (bounded)
            if task_id in second.runtime.tasks.waiters:
                break
            await asyncio.sleep(0.01)
        assert task_id in second.runtime.tasks.waiters
        released_at = time.monotonic()
        gate.release()
        answer = (await waiting).json()
        assert answer["taskStatus"] == "SUCCESS"
        # Woken by the notification, not by the safety-net re-read.
        assert time.monotonic() - released_at < WAIT_SAFETY_NET_SECONDS


async def test_a_departed_servers_task_is_repaired_at_once(
    pg_settings: Settings, catalog: dict[str, Any]
) -> None:
    async with node(pg_settings) as survivor, node(pg_settings) as departing:
        gate = departing.driver.hold("start")  # never released: the process "dies" mid-task
        response = await departing.http.post(f"{BASE}/instances", json=_create_body(catalog))
        task_id = response.json()["taskId"]
        await gate.reached()
        assert await _instances(survivor.runtime) == 1
        # Its runner goes away (as when its process dies, its liveness lock is released).
        await departing.runtime.tasks.stop()
        left_at = time.monotonic()
        answer = (await survivor.http.get(f"/v1/tasks/{task_id}", params={"wait": 20})).json()
        assert answer["taskStatus"] == "FAILED"
        assert "interrupted" in answer["result"]["errors"][0]["message"]
        assert time.monotonic() - left_at < 10 < LEASE_SECONDS
        assert await _instances(survivor.runtime) == 0  # the create was rolled back
        gate.release()


async def test_a_server_that_loses_its_database_connection_stops_driving_its_tasks(
    pg_settings: Settings, catalog: dict[str, Any]
) -> None:
    async with node(pg_settings) as survivor, node(pg_settings) as presumed_dead:
        gate = presumed_dead.driver.hold("start")
        response = await presumed_dead.http.post(f"{BASE}/instances", json=_create_body(catalog))
        task_id = response.json()["taskId"]
        await gate.reached()
        owner = presumed_dead.runtime.tasks.owner
        # Its liveness session breaks (the lock goes with it) while it still drives the machine.
        async with survivor.runtime.database.session() as session:
            await session.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": owner[:63]},
            )
        # The in-flight driver call is cancelled at once, before anyone takes the task over...
        await asyncio.wait_for(presumed_dead.runtime.tasks.drain(), 10)
        assert not gate.released.is_set()
        assert presumed_dead.runtime.tasks.owner != owner  # it came back as a new process
        # ...and the task is repaired once, by whichever janitor claims it.
        answer = (await survivor.http.get(f"/v1/tasks/{task_id}", params={"wait": 20})).json()
        assert answer["taskStatus"] == "FAILED"
        assert "interrupted" in answer["result"]["errors"][0]["message"]
        assert await _status(survivor.runtime, task_id) == "FAILED"
        assert await _instances(survivor.runtime) == 0
        gate.release()
