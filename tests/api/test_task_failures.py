"""Every task ends: when the rollback itself fails, and when the server stops mid-task.

Faults are injected through the simulator's public hooks (``inject_fault``, gates); the outcome is
read through the API.

Issue 10, "Why": a failed undo left the task PENDING and the instance Starting until a restart
(the two rollback tests); passwords sat in plain text in the task rows (the encryption test).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from cloudca.server.tasks.models import Task
from tests.api.conftest import GatedSimulator, ServeFactory
from tests.support import BASE


def _body(catalog: dict[str, Any], name: str = "fragile") -> dict[str, Any]:
    return {
        "name": name,
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
    }


async def test_a_failed_rollback_is_retried_until_it_completes(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve(task_repair_backoff_seconds=0.01) as server:
        server.simulator.inject_fault("start")  # the create fails...
        server.simulator.inject_fault("destroy", count=2)  # ...and so do its first two rollbacks
        response = await server.http.post(f"{BASE}/instances", json=_body(catalog))
        task = await server.api.task(response.json()["taskId"], wait=20)
        assert task["taskStatus"] == "FAILED", task
        # The true reason: the start that failed, not "interrupted by a server failure".
        [error] = task["result"]["errors"]
        assert "compute backend failed" in error["message"], error
        instances = (await server.http.get(f"{BASE}/instances")).json()["data"]
        assert instances == []  # the rollback completed on the third try


async def test_a_rollback_that_keeps_failing_leaves_the_instance_in_error(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve(task_repair_backoff_seconds=0.01, task_repair_attempts=3) as server:
        server.simulator.inject_fault("start")
        server.simulator.inject_fault("destroy", count=3)
        response = await server.http.post(f"{BASE}/instances", json=_body(catalog))
        task = await server.api.task(response.json()["taskId"], wait=20)
        assert task["taskStatus"] == "FAILED", task
        first, rollback = task["result"]["errors"]
        assert "compute backend failed" in first["message"]
        assert "rollback failed" in rollback["message"]
        # Stable and truthful: not Starting (busy) for ever, but Error, and destroyable.
        [instance] = (await server.http.get(f"{BASE}/instances")).json()["data"]
        assert instance["state"] == "Error"
        destroy = await server.http.request(
            "DELETE", f"{BASE}/instances/{instance['id']}", json={"purgeImmediately": True}
        )
        assert (await server.api.finished(destroy))["taskStatus"] == "SUCCESS"


async def test_stop_lets_a_running_task_finish(serve: ServeFactory, catalog: dict[str, Any]) -> None:
    driver = GatedSimulator()
    gate = driver.hold("start")
    async with serve(driver=driver) as server:
        task_id = (await server.http.post(f"{BASE}/instances", json=_body(catalog))).json()["taskId"]
        await gate.reached()
        stopping = asyncio.create_task(server.runtime.tasks.stop())
        await asyncio.sleep(0)  # let stop() begin draining before the driver call returns
        assert not stopping.done()
        gate.release()
        await asyncio.wait_for(stopping, 10)
        async with server.runtime.database.session() as session:
            status = await session.scalar(select(Task.status).where(Task.id == task_id))
        assert status == "SUCCESS"


async def test_a_task_still_running_at_the_drain_deadline_is_repaired_at_the_next_start(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    driver = GatedSimulator()
    gate = driver.hold("start")  # never released: the drain deadline passes
    async with serve(driver=driver, task_drain_seconds=0.2) as server:
        task_id = (await server.http.post(f"{BASE}/instances", json=_body(catalog))).json()["taskId"]
        await gate.reached()
        await asyncio.wait_for(server.runtime.tasks.stop(), 10)
        assert (await server.api.task(task_id, wait=0))["taskStatus"] == "PENDING"
    async with serve() as restarted:
        task = await restarted.api.task(task_id, wait=20)
        assert task["taskStatus"] == "FAILED"
        assert "interrupted" in task["result"]["errors"][0]["message"]
        assert (await restarted.http.get(f"{BASE}/instances")).json()["data"] == []


async def test_passwords_in_task_results_are_encrypted_at_rest(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve() as server:
        created = await server.api.create_instance(catalog, name="secretive")
        reset = await server.api.finished(
            await server.http.post(f"{BASE}/instances/{created['id']}", params={"operation": "resetPassword"})
        )
        password = reset["result"]["password"]
        assert password and len(password) >= 8
        async with server.runtime.database.session() as session:
            stored = list((await session.execute(select(Task.result))).scalars())
        assert password not in repr(stored)
        if server.settings.database_url:  # PostgreSQL: the rows are what a dump would show
            return
        database = server.settings.data_dir / "cloudca.db"
        for path in database.parent.iterdir():
            if path.name.startswith("cloudca.db") and not path.name.endswith(".key"):
                assert password.encode() not in path.read_bytes(), path
        assert (database.parent / "cloudca.db.key").stat().st_mode & 0o077 == 0


async def test_a_process_that_lost_a_task_makes_no_further_driver_call_for_it(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    # Every driver call of a task is fenced from memory (drivers.guard): once this process is no
    # longer the task's owner, the create's next call (its port forward) never reaches the backend,
    # and the task is left to its new owner's repair rather than ended here.
    driver = GatedSimulator()
    gate = driver.hold("start")
    async with serve(driver=driver) as server:
        body = {**_body(catalog, "handed-over"), "portsToForward": ["22"]}
        task_id = (await server.http.post(f"{BASE}/instances", json=body)).json()["taskId"]
        await gate.reached()
        runner = server.runtime.tasks
        owner = runner.liveness.owner
        runner.liveness.owner = "cloudca-presumed-dead"  # what a lost liveness connection does first
        gate.release()
        await runner.drain()
        while task_id in runner._jobs:  # the job itself ends (no sleep): its refused call is its last
            await asyncio.wait({runner._jobs[task_id]})
        runner.liveness.owner = owner
        assert (await server.api.task(task_id, wait=0))["taskStatus"] == "PENDING"
        ips = (await server.http.get(f"{BASE}/publicipaddresses")).json()["data"]
        assert ips and all(driver.port_forwards(ip["ipAddress"]) == () for ip in ips)
