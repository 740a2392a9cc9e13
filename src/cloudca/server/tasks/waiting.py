"""Waking long-polls: ``GET /v1/tasks/{id}?wait=N`` returns as soon as the task ends, in any process.

``wait()`` sleeps on an in-process event. Tasks ending in this process set it directly; on
PostgreSQL a trigger (migration 0002) NOTIFYs ``cloudca_task_ended`` when a task ends, in the
ending transaction, and the liveness connection's listener sets the waiters' events, whichever
process ended it. A slow re-check (``WAIT_SAFETY_NET_SECONDS``) covers a notification lost while
the listener reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import bindparam, select

from cloudca.server.db.engine import Database
from cloudca.server.tasks.models import FINISHED, Task

#: How often a waiter re-reads its task even without a wake-up (lost notifications only).
WAIT_SAFETY_NET_SECONDS = 5.0

# Built once: every ?wait= long-poll reads it at least twice.
STATUS = select(Task.status).where(Task.id == bindparam("task_id"))


class Waiters:
    """The long-polls of this process, by task id."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._events: dict[str, set[asyncio.Event]] = {}

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._events

    async def wait(self, task_id: str, seconds: float) -> None:
        """Return when the task has ended in any process, or after ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        # One event per waiter, registered before the first read: an ending that commits after
        # that read sets it, so no wake-up can slip in between the read and the wait.
        event = asyncio.Event()
        self._events.setdefault(task_id, set()).add(event)
        try:
            while not await self._is_finished(task_id):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                # Set by this process's runner or by the PostgreSQL listener; the bound only
                # guards against a notification lost while the listener reconnects.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(remaining, WAIT_SAFETY_NET_SECONDS))
                event.clear()
        finally:
            events = self._events.get(task_id)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._events[task_id]

    async def _is_finished(self, task_id: str) -> bool:
        async with self.database.read() as connection:
            status = (await connection.execute(STATUS, {"task_id": task_id})).scalar_one_or_none()
        return status is None or status in FINISHED

    def notify(self, task_id: str) -> None:
        """The task ended: wake its waiters."""
        for event in self._events.get(task_id, ()):
            event.set()

    def wake_everyone(self) -> None:
        """Anything may have ended (e.g. while no one listened): every waiter re-reads."""
        for events in self._events.values():
            for event in events:
                event.set()
