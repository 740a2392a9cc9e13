"""Executes tasks durably, exactly once, in any number of processes sharing one database.

Claiming. A task is inserted already claimed by the process that accepted the request (status
RUNNING, ``lease_owner`` = this process, a lease) and handed to one of this process's workers, so
the usual path costs no queue round trip and no other process ever sees it as work to do. Ending a
task (``TaskContext.succeed``, ``_mark_failed``) is fenced by ``lease_owner``: only the current
owner's outcome commits, so a task ends exactly once.

Liveness, and why recovery is prompt. Every process registers a ``task_workers`` row. On
PostgreSQL it also holds, on one dedicated connection for its whole life, a session advisory lock
keyed by that row; PostgreSQL drops the lock the moment the process dies (SIGKILL included: the
kernel closes the socket and the backend ends). A RUNNING task is an orphan when its owner holds
no such lock, or when its lease expired. Each process's janitor looks every
``RECOVERY_INTERVAL_SECONDS``, claims an orphan with one conditional UPDATE that re-checks
orphanhood (row locks make exactly one janitor win), runs the handler's ``undo`` and marks it
FAILED, so every task ends and no entity stays in a transitional state. A restarted process thus
repairs its predecessor's tasks within about a second, instead of waiting a lease period, and the
lease (renewed by the heartbeat) stays a safety net for a process that is alive but wedged. We
chose the lock over short leases with frequent renewal because it detects death at once without
rewriting every running task's row every second, and over heartbeat rows alone because a heartbeat
can only be judged stale after a delay. If a live process loses its connection, its tasks may be
taken over; the fence then refuses its late outcome (``TaskLeaseLost``), and the process
reconnects and re-registers.

On SQLite the server is a single process, so at start every RUNNING task is an orphan and is
repaired at once; later, leases alone apply.

Waking long-polls. ``wait()`` sleeps on an in-process event. Tasks ending in this process set it
directly; on PostgreSQL a trigger (migration 0002) NOTIFYs ``cloudca_task_ended`` when a task
ends, in the ending transaction, and the listener connection sets the waiters' events, whichever
process ended it. A slow re-check (``WAIT_SAFETY_NET_SECONDS``) covers a notification lost while
the listener reconnects.

Finished tasks stay retrievable for ``task_retention_seconds`` and are then purged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from cloudca.server.config import Settings
from cloudca.server.db.base import new_id, utcnow
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.errors import InternalError, ServiceError
from cloudca.server.tasks.handlers import TaskContext, TaskHandler, TaskLeaseLost
from cloudca.server.tasks.models import FAILED, FINISHED, RUNNING, Task, TaskWorker

log = logging.getLogger("cloudca.tasks")

#: The channel the migration's trigger NOTIFYs with the id of every task that ends.
TASK_ENDED_CHANNEL = "cloudca_task_ended"
#: First key of every liveness lock (``pg_advisory_lock(int, int)``); the second is the worker's
#: ``lock_key``. The migration lock uses the one-key form, so the two never collide.
LIVENESS_LOCK_CLASS = 0x0CCA
#: How often the janitor looks for orphans on PostgreSQL (a dead process is seen at the next look).
RECOVERY_INTERVAL_SECONDS = 1.0
#: How often a waiter re-reads its task even without a wake-up (lost notifications only).
WAIT_SAFETY_NET_SECONDS = 5.0

#: Called before a task runs or is repaired: lets a driver whose state lives in its process (the
#: simulator) learn an entity another process created. See ``instances.adoption.adopt_task_entity``.
Prepare = Callable[[Task], Awaitable[None]]

# Owners holding their liveness lock right now, in this database. pg_locks is not transactional:
# it shows the locks held at the moment the statement runs.
_LIVE_OWNERS = """
    SELECT w.id FROM task_workers w
    JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid = CAST(:liveness_class AS oid) AND l.objid = CAST(w.lock_key AS oid)
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


# Built once: every ?wait= long-poll reads it at least twice.
_STATUS = select(Task.status).where(Task.id == bindparam("task_id"))


def _live_owners() -> Any:
    return text(_LIVE_OWNERS).bindparams(liveness_class=LIVENESS_LOCK_CLASS).columns(TaskWorker.id)


class TaskRunner:
    def __init__(
        self,
        database: Database,
        driver: ComputeDriver,
        settings: Settings,
        *,
        role: str = "serve",
        prepare: Prepare | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.role = role
        self.owner = f"cloudca-{uuid.uuid4()}"
        self.context = TaskContext(database=database, driver=driver, settings=settings, owner=self.owner)
        self._prepare = prepare
        self._handlers: dict[str, TaskHandler] = {}
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._listener: Any = None  # asyncpg.Connection on PostgreSQL
        self._lock_key = 0

    # -- registration and submission -------------------------------------------------------------

    def register(self, handlers: Iterable[TaskHandler]) -> None:
        for handler in handlers:
            self._handlers[handler.kind] = handler

    def new_task(
        self,
        session: AsyncSession,
        *,
        kind: str,
        organization_id: str,
        environment_id: str | None,
        entity_type: str,
        entity_id: str,
        payload: dict[str, Any] | None = None,
        task_id: str | None = None,
    ) -> Task:
        """Add a task, claimed by this process, to the caller's transaction. Call ``dispatch`` once
        that transaction has committed."""
        if kind not in self._handlers:
            raise InternalError(f"No handler for task kind {kind}")
        now = utcnow()
        task = Task(
            id=task_id or new_id(),
            organization_id=organization_id,
            environment_id=environment_id,
            kind=kind,
            entity_type=entity_type,
            entity_id=entity_id,
            status=RUNNING,
            payload=payload or {},
            created_at=now,
            started_at=now,
            lease_owner=self.owner,
            lease_expires_at=now + timedelta(seconds=self.settings.task_lease_seconds),
            attempts=1,
        )
        session.add(task)
        return task

    def dispatch(self, task_id: str) -> None:
        self._queue.put_nowait(task_id)

    # -- waiting ---------------------------------------------------------------------------------

    async def wait(self, task_id: str, seconds: float) -> None:
        """Return when the task has ended in any process, or after ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        # One event per waiter, registered before the first read: an ending that commits after
        # that read sets it, so no wake-up can slip in between the read and the wait.
        event = asyncio.Event()
        self._waiters.setdefault(task_id, set()).add(event)
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
            events = self._waiters.get(task_id)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._waiters[task_id]

    async def _is_finished(self, task_id: str) -> bool:
        async with self.database.read() as connection:
            status = (await connection.execute(_STATUS, {"task_id": task_id})).scalar_one_or_none()
        return status is None or status in FINISHED

    def _notify(self, task_id: str) -> None:
        for event in self._waiters.get(task_id, ()):
            event.set()

    def _wake_everyone(self) -> None:
        for events in self._waiters.values():
            for event in events:
                event.set()

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Register this process, repair what dead processes left, then start the workers."""
        await self._register()
        await self._recover_orphans(everyone=self.database.is_sqlite)
        for index in range(self.settings.task_workers):
            self._workers.append(asyncio.create_task(self._worker(), name=f"task-worker-{index}"))
        self._background.append(asyncio.create_task(self._heartbeat(), name="task-heartbeat"))
        self._background.append(asyncio.create_task(self._janitor(), name="task-janitor"))

    async def stop(self) -> None:
        """Stop taking work and unregister. Tasks still running are orphans from now on: another
        process (or this server's next start) repairs them at once."""
        for job in [*self._workers, *self._background]:
            job.cancel()
        for job in [*self._workers, *self._background]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
        self._workers.clear()
        self._background.clear()
        with contextlib.suppress(Exception):
            async with self.database.transaction() as session:
                await session.execute(delete(TaskWorker).where(TaskWorker.id == self.owner))
        await self._close_listener()

    async def drain(self) -> None:
        """Wait until every dispatched task has been executed (tests and graceful shutdown)."""
        await self._queue.join()

    async def _register(self) -> None:
        """Take the liveness lock (PostgreSQL) and make sure this process's row exists. Idempotent:
        also used to come back after the listener connection broke."""
        if self.database.is_postgresql:
            await self._open_listener()
        elif not self._lock_key:
            self._lock_key = secrets.randbelow(2**31 - 2) + 1  # no lock on SQLite; unique all the same
        async with self.database.transaction() as session:
            if self.database.is_sqlite:
                # One process per SQLite database: any other row is a dead predecessor's.
                await session.execute(delete(TaskWorker).where(TaskWorker.id != self.owner))
            exists = await session.scalar(select(TaskWorker.id).where(TaskWorker.id == self.owner))
            if exists is not None:
                await session.execute(
                    update(TaskWorker).where(TaskWorker.id == self.owner).values(lock_key=self._lock_key)
                )
            else:
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

    async def _open_listener(self) -> None:
        """One session for the process's life: it holds the liveness lock and LISTENs."""
        import asyncpg  # type: ignore[import-untyped]  # only needed, and installed, for PostgreSQL

        await self._close_listener()
        connection = await asyncpg.connect(
            self.database.driver_dsn(), server_settings={"application_name": self.owner[:63]}
        )
        try:
            if self._lock_key and await connection.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", LIVENESS_LOCK_CLASS, self._lock_key
            ):
                pass  # re-registering after a reconnect: same key, same row
            else:
                for _ in range(100):
                    key = secrets.randbelow(2**31 - 2) + 1
                    taken = await connection.fetchval(
                        "SELECT pg_try_advisory_lock($1, $2)", LIVENESS_LOCK_CLASS, key
                    )
                    # A key held by nobody may still be recorded for a dead process; the unique
                    # constraint decides (the insert in _register), so a rare clash just retries.
                    if taken and not await self._key_recorded(key):
                        self._lock_key = key
                        break
                    if taken:
                        await connection.execute(
                            "SELECT pg_advisory_unlock($1, $2)", LIVENESS_LOCK_CLASS, key
                        )
                else:
                    raise InternalError("Could not find a free liveness lock key")
            await connection.add_listener(TASK_ENDED_CHANNEL, self._on_notification)
        except BaseException:
            await connection.close()
            raise
        self._listener = connection
        self._wake_everyone()  # anything may have ended while no one listened

    async def _key_recorded(self, key: int) -> bool:
        async with self.database.session() as session:
            return (await session.scalar(select(TaskWorker.id).where(TaskWorker.lock_key == key))) is not None

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._notify(payload)

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await listener.close(timeout=5)

    # -- execution -------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            task_id = await self._queue.get()
            try:
                await self._execute(task_id)
            except Exception:  # a worker must survive anything one task does
                log.exception("task %s: unexpected failure in the runner", task_id)
            finally:
                self._queue.task_done()

    async def _execute(self, task_id: str) -> None:
        async with self.database.session() as session:
            task = (await session.execute(select(Task).where(Task.id == task_id))).scalar_one_or_none()
        if task is None or task.status != RUNNING or task.lease_owner != self.owner:
            return
        handler = self._handlers[task.kind]
        try:
            if self._prepare is not None:
                await self._prepare(task)
            await asyncio.wait_for(handler.run(self.context, task), self.settings.task_timeout_seconds)
        except TaskLeaseLost:
            log.warning("task %s (%s) was taken over by another process", task.id, task.kind)
        except ServiceError as error:
            await self._fail(handler, task, error)
        except TimeoutError:
            await self._fail(handler, task, InternalError("The task did not finish in time"))
        except Exception as exc:
            log.exception("task %s (%s) failed unexpectedly", task.id, task.kind)
            await self._fail(
                handler, task, InternalError(f"The task failed unexpectedly: {type(exc).__name__}")
            )
        else:
            await self._ensure_finished(task)
        self._notify(task.id)

    async def _ensure_finished(self, task: Task) -> None:
        """A handler that returned without ``succeed`` has a bug; never leave its task pending."""
        async with self.database.read() as connection:
            status = (await connection.execute(_STATUS, {"task_id": task.id})).scalar_one()
        if status == RUNNING:
            await self._mark_failed(task.id, InternalError("The task ended without a result"))

    async def _fail(self, handler: TaskHandler, task: Task, error: ServiceError) -> None:
        try:
            await handler.undo(self.context, task)
        except Exception:
            log.exception("task %s: undo failed; the janitor will retry it", task.id)
            return
        await self._mark_failed(task.id, error)

    async def _mark_failed(self, task_id: str, error: ServiceError) -> None:
        """End the task FAILED, if this process still owns it (the fence of ``TaskContext.succeed``)."""
        async with self.database.transaction() as session:
            await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.status == RUNNING, Task.lease_owner == self.owner)
                .values(
                    status=FAILED,
                    result={"errors": [problem.to_dict() for problem in error.errors()]},
                    ended_at=utcnow(),
                    lease_owner=None,
                    lease_expires_at=None,
                )
            )

    # -- background ------------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        """Renew this process's leases and row; bring the listener back if its connection broke."""
        interval = max(min(self.settings.task_lease_seconds / 3, 10.0), 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                if self.database.is_postgresql and (self._listener is None or self._listener.is_closed()):
                    log.warning("task listener connection lost; registering again")
                    await self._register()
                now = utcnow()
                async with self.database.transaction() as session:
                    await session.execute(
                        update(Task)
                        .where(Task.lease_owner == self.owner, Task.status == RUNNING)
                        .values(lease_expires_at=now + timedelta(seconds=self.settings.task_lease_seconds))
                    )
                    await session.execute(
                        update(TaskWorker).where(TaskWorker.id == self.owner).values(heartbeat_at=now)
                    )
            except Exception:
                log.exception("task lease renewal failed")

    async def _janitor(self) -> None:
        if self.database.is_postgresql:
            interval = RECOVERY_INTERVAL_SECONDS
        else:
            interval = max(min(self.settings.task_lease_seconds / 2, 30.0), 0.05)
        purge_every = max(int(60 / interval), 1)
        rounds = 0
        while True:
            await asyncio.sleep(interval)
            try:
                await self._recover_orphans(everyone=False)
                rounds += 1
                if rounds % purge_every == 0:
                    await self.purge_expired()
                    await self._forget_dead_workers()
            except Exception:
                log.exception("task janitor failed")

    def _orphan_condition(self, *, everyone: bool) -> Any:
        """SQL: the RUNNING task's owner is gone. ``everyone``: any RUNNING task (a SQLite start)."""
        if everyone:
            return Task.status == RUNNING
        expired = Task.lease_expires_at < utcnow()
        if not self.database.is_postgresql:
            return expired
        owner_alive = Task.lease_owner.in_(_live_owners())
        return expired | ~owner_alive

    async def _recover_orphans(self, *, everyone: bool) -> int:
        """Fail and repair the tasks whose process is gone; returns how many this process repaired."""
        async with self.database.session() as session:
            orphans = list(
                (
                    await session.execute(
                        select(Task.id, Task.lease_owner).where(
                            Task.status == RUNNING, self._orphan_condition(everyone=everyone)
                        )
                    )
                ).all()
            )
        repaired = 0
        for task_id, seen_owner in orphans:
            if not await self._claim_orphan(task_id, seen_owner, everyone=everyone):
                continue
            repaired += 1
            async with self.database.session() as session:
                task = (await session.execute(select(Task).where(Task.id == task_id))).scalar_one()
            log.warning("task %s (%s) was interrupted; repairing %s", task.id, task.kind, task.entity_id)
            handler = self._handlers.get(task.kind)
            if handler is None:
                await self._mark_failed(task.id, InternalError("The task kind is unknown to this server"))
            else:
                if self._prepare is not None:
                    with contextlib.suppress(Exception):
                        await self._prepare(task)
                await self._fail(handler, task, InternalError("The task was interrupted by a server failure"))
            self._notify(task.id)
        return repaired

    async def _claim_orphan(self, task_id: str, seen_owner: str | None, *, everyone: bool) -> bool:
        """Take an orphan over with one conditional UPDATE. It re-checks orphanhood and the owner
        seen, so of several janitors exactly one wins (the others block on the row, then find it
        changed), and a live process's task is never taken."""
        now = utcnow()
        async with self.database.transaction() as session:
            result = await session.execute(
                update(Task)
                .where(
                    Task.id == task_id,
                    Task.status == RUNNING,
                    Task.lease_owner.is_(None) if seen_owner is None else Task.lease_owner == seen_owner,
                    self._orphan_condition(everyone=everyone),
                )
                .values(
                    lease_owner=self.owner,
                    lease_expires_at=now + timedelta(seconds=self.settings.task_lease_seconds),
                    attempts=Task.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
        return bool(getattr(result, "rowcount", 0))

    async def _forget_dead_workers(self) -> None:
        """Delete the rows of processes that are gone and own nothing any more (bookkeeping only)."""
        async with self.database.transaction() as session:
            owns_tasks = select(Task.id).where(Task.lease_owner == TaskWorker.id, Task.status == RUNNING)
            dead: ColumnElement[bool]
            if self.database.is_postgresql:
                dead = ~TaskWorker.id.in_(_live_owners())
            else:
                stale = timedelta(seconds=3 * self.settings.task_lease_seconds)
                dead = TaskWorker.heartbeat_at < utcnow() - stale
            await session.execute(
                delete(TaskWorker)
                .where(dead, ~owns_tasks.exists(), TaskWorker.id != self.owner)
                .execution_options(synchronize_session=False)
            )

    async def purge_expired(self) -> int:
        cutoff = utcnow() - timedelta(seconds=self.settings.task_retention_seconds)
        async with self.database.transaction() as session:
            result = await session.execute(
                delete(Task).where(Task.status.in_(FINISHED), Task.ended_at < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)
