"""Admission at the edge (``api.admission``): at most N requests are worked on at once, the others
wait in arrival order, a newcomer past the waiting bound gets 503 with the error envelope at once,
and what is not counted (the lean lane's reads, long-polls) is served while every turn is held."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from cloudca.server.api.admission import Admission
from cloudca.server.errors import ServiceUnavailable
from tests.api.conftest import ServeFactory, public_key
from tests.support import BASE, error_of


async def _started(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run ``coroutine`` as a task up to its first suspension (one pass of the loop: no timing)."""
    task = asyncio.ensure_future(coroutine)
    await asyncio.sleep(0)
    return task


async def test_no_more_than_the_limit_are_admitted() -> None:
    admission = Admission(limit=2, max_waiting=10)
    await admission.enter()
    await admission.enter()
    third = await _started(admission.enter())
    assert not third.done()
    assert (admission.active, admission.waiting) == (2, 1)
    admission.leave()
    await third
    assert (admission.active, admission.waiting) == (2, 0)


async def test_turns_go_in_arrival_order_and_no_newcomer_jumps_the_queue() -> None:
    admission = Admission(limit=1, max_waiting=10)
    await admission.enter()
    admitted: list[str] = []

    async def request(name: str) -> None:
        await admission.enter()
        admitted.append(name)

    waiters = [await _started(request(name)) for name in ("a", "b", "c")]
    admission.leave()  # the turn goes to "a", not to whoever asks next
    late = await _started(request("late"))
    for task in [*waiters, late]:
        await task
        admission.leave()
    assert admitted == ["a", "b", "c", "late"]
    assert (admission.active, admission.waiting) == (0, 0)


async def test_a_waiter_that_gives_up_takes_no_turn_with_it() -> None:
    admission = Admission(limit=1, max_waiting=10)
    await admission.enter()
    quitter = await _started(admission.enter())
    patient = await _started(admission.enter())
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    admission.leave()
    await patient
    admission.leave()
    assert (admission.active, admission.waiting) == (0, 0)


async def test_past_the_waiting_bound_a_newcomer_is_refused_at_once() -> None:
    admission = Admission(limit=1, max_waiting=1)
    await admission.enter()
    waiter = await _started(admission.enter())
    with pytest.raises(ServiceUnavailable) as refused:
        await admission.enter()
    assert refused.value.retry_after >= 1
    admission.leave()
    await waiter
    admission.leave()
    assert admission.active == 0


async def test_a_shed_request_gets_503_and_the_envelope_while_uncounted_reads_are_served(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve(max_active_requests=1, max_waiting_requests=0) as server:
        api = server.api
        instance = await api.create_instance(catalog, name="seen")
        stopped = await api.http.post(f"{BASE}/instances/{instance['id']}?operation=stop")
        task_id = (await api.finished(stopped))["taskId"]
        body_read = asyncio.Event()
        body_may_finish = asyncio.Event()

        async def slow_body() -> AsyncIterator[bytes]:
            body_read.set()  # the route reads the body: its request holds the only turn
            yield b'{"name": "slow", '
            await body_may_finish.wait()
            yield b'"publicKey": "' + public_key("slow").encode() + b'"}'

        holder = asyncio.ensure_future(api.http.post(f"{BASE}/sshkeys", content=slow_body()))
        async with asyncio.timeout(10):
            await body_read.wait()
        refused = await api.http.get(f"{BASE}/vpcs")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"].startswith("application/json")
        error = error_of(refused)
        assert error["errorCode"] == "SERVICE_UNAVAILABLE"
        assert error["code"] == 5003
        assert error["context"] == {"retryAfterSeconds": 1}

        # Not counted: the lean lane's reads and a long-poll answer while the only turn is held.
        assert (await api.http.get(f"{BASE}/instances/{instance['id']}")).status_code == 200
        assert (await api.http.get(f"/v1/tasks/{task_id}")).status_code == 200
        assert (await api.http.get(f"/v1/tasks/{task_id}?wait=1")).status_code == 200

        body_may_finish.set()
        assert (await holder).status_code == 200
        assert (await api.http.get(f"{BASE}/vpcs")).status_code == 200
