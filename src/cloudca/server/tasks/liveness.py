"""Liveness: how other processes tell that this one is alive, and what it does when it is not.

Every process registers a ``task_workers`` row. On PostgreSQL it also holds, on one dedicated
connection for its whole life, a session advisory lock keyed by that row; PostgreSQL drops the lock
the moment the process dies (SIGKILL included: the kernel closes the socket and the backend ends).
A RUNNING task is an orphan when its owner holds no such lock, or when its lease expired (see
``tasks.janitor``). We chose the lock over short leases with frequent renewal because it detects
death at once without rewriting every running task's row every second, and over heartbeat rows
alone because a heartbeat can only be judged stale after a delay.

The heartbeat renews the leases of the tasks this process really holds (executing, queued or
being repaired), never "every RUNNING task with my name": a task this process dropped by mistake
then expires and is repaired, instead of staying pending for as long as the process lives.

Losing the liveness connection means other processes may take this one's tasks over within a
janitor interval. So the moment it breaks, ``on_lost`` runs (the runner cancels every task it is
executing, driver calls included, so no two processes drive one machine), and the process comes
back under a new identity: its old tasks are orphans for everyone, at once, and the fence of
``TaskContext.succeed`` refuses any late outcome under the old name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, text, update

from cloudca.server.config import Settings
from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.errors import InternalError
from cloudca.server.tasks.models import RUNNING, Task, TaskWorker
from cloudca.server.tasks.waiting import Waiters

log = logging.getLogger("cloudca.tasks")

#: The channel the migration's trigger NOTIFYs with the id of every task that ends.
TASK_ENDED_CHANNEL = "cloudca_task_ended"
#: First key of every liveness lock (``pg_advisory_lock(int, int)``); the second is the worker's
#: ``lock_key``. The migration lock uses the one-key form, so the two never collide.
LIVENESS_LOCK_CLASS = 0x0CCA
#: Leases renewed per statement (bounded parameter lists on both databases).
_RENEW_CHUNK = 500

# Owners holding their liveness lock right now, in this database. pg_locks is not transactional:
# it shows the locks held at the moment the statement runs.
_LIVE_OWNERS = """
    SELECT w.id FROM task_workers w
    JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid = CAST(:liveness_class AS oid) AND l.objid = CAST(w.lock_key AS oid)
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def live_owners() -> Any:
    """SQL (PostgreSQL): the ids of the processes alive right now."""
    return text(_LIVE_OWNERS).bindparams(liveness_class=LIVENESS_LOCK_CLASS).columns(TaskWorker.id)


def new_owner() -> str:
    return f"cloudca-{uuid.uuid4()}"


class Liveness:
    """This process's registration, liveness lock, listener and heartbeat."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        waiters: Waiters,
        *,
        role: str,
        held: Callable[[], Collection[str]],
        on_lost: Callable[[str], None],
    ) -> None:
        self.database = database
        self.settings = settings
        self.role = role
        self.owner = new_owner()
        self._waiters = waiters
        self._held = held
        self._on_lost = on_lost
        self._listener: Any = None  # asyncpg.Connection on PostgreSQL
        self._lock_key = 0
        self._lost = asyncio.Event()
        #: ``time.monotonic()`` when the last successful renewal began: every lease this process
        #: holds runs at least ``lease`` past it (the driver guard's check, without a query).
        self.renewed_at = time.monotonic()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.task_lease_seconds)

    def holds(self, owner: str, claimed: float) -> bool:
        """From memory, no query: a task claimed by ``owner`` at ``claimed`` (``time.monotonic()``)
        is still this process's: the owner is unchanged (liveness not lost) and its lease, set at
        the claim and renewed by the heartbeat since, has not run out."""
        expires = max(self.renewed_at, claimed) + self.settings.task_lease_seconds
        return self.owner == owner and time.monotonic() < expires

    async def register(self) -> None:
        """Take the liveness lock (PostgreSQL) and make sure this process's row exists."""
        if self.database.is_postgresql:
            await self._open_listener()
        elif not self._lock_key:
            self._lock_key = secrets.randbelow(2**31 - 2) + 1  # no lock on SQLite; unique all the same
        async with self.database.transaction() as session:
            if self.database.is_sqlite:
                # One process per SQLite database (an OS lock enforces it): any other row is a
                # dead predecessor's.
                await session.execute(delete(TaskWorker).where(TaskWorker.id != self.owner))
            now = utcnow()
            await session.execute(
                insert(TaskWorker).values(
                    id=self.owner,
                    lock_key=self._lock_key,
                    role=self.role,
                    hostname=socket.gethostname()[:255],
                    pid=os.getpid(),
                    started_at=now,
                    heartbeat_at=now,
                )
            )
        self._lost.clear()

    async def unregister(self) -> None:
        with contextlib.suppress(Exception):
            async with self.database.transaction() as session:
                await session.execute(delete(TaskWorker).where(TaskWorker.id == self.owner))
        await self.close()

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.remove_termination_listener(self._on_termination)
            with contextlib.suppress(Exception):
                await listener.close(timeout=5)

    async def _open_listener(self) -> None:
        """One session for the process's life: it holds the liveness lock and LISTENs."""
        import asyncpg  # type: ignore[import-untyped]  # only needed, and installed, for PostgreSQL

        await self.close()
        connection = await asyncpg.connect(
            self.database.driver_dsn(), server_settings={"application_name": self.owner[:63]}
        )
        try:
            for _ in range(100):
                key = secrets.randbelow(2**31 - 2) + 1
                taken = await connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", LIVENESS_LOCK_CLASS, key
                )
                # A key held by nobody may still be recorded for a dead process; the unique
                # constraint decides (the insert in ``register``), so a rare clash just retries.
                if taken and not await self._key_recorded(key):
                    self._lock_key = key
                    break
                if taken:
                    await connection.execute("SELECT pg_advisory_unlock($1, $2)", LIVENESS_LOCK_CLASS, key)
            else:
                raise InternalError("Could not find a free liveness lock key")
            await connection.add_listener(TASK_ENDED_CHANNEL, self._on_notification)
            connection.add_termination_listener(self._on_termination)
        except BaseException:
            await connection.close()
            raise
        self._listener = connection
        self._waiters.wake_everyone()  # anything may have ended while no one listened

    async def _key_recorded(self, key: int) -> bool:
        async with self.database.session() as session:
            return (await session.scalar(select(TaskWorker.id).where(TaskWorker.lock_key == key))) is not None

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._waiters.notify(payload)

    def _on_termination(self, _connection: Any) -> None:
        """The liveness connection broke: our lock is gone and others may take our tasks over."""
        if self._listener is None:
            return
        self._listener = None
        old, self.owner = self.owner, new_owner()
        log.warning("task liveness connection lost: cancelling this process's tasks (was %s)", old)
        self._on_lost(old)
        self._lost.set()

    async def run(self) -> None:
        """Renew leases and this process's row; come back (as a new owner) after a lost connection."""
        interval = max(min(self.settings.task_lease_seconds / 3, 10.0), 0.05)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), interval)
            try:
                if self.database.is_postgresql and self._listener is None:
                    await self.register()
                await self.renew()
            except Exception:
                log.exception("task lease renewal failed")

    async def renew(self) -> None:
        began, now = time.monotonic(), utcnow()
        held = list(self._held())
        async with self.database.transaction() as session:
            for start in range(0, len(held), _RENEW_CHUNK):
                await session.execute(
                    update(Task)
                    .where(
                        Task.id.in_(held[start : start + _RENEW_CHUNK]),
                        Task.lease_owner == self.owner,
                        Task.status == RUNNING,
                    )
                    .values(lease_expires_at=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
            await session.execute(
                update(TaskWorker).where(TaskWorker.id == self.owner).values(heartbeat_at=now)
            )
        self.renewed_at = max(self.renewed_at, began)
