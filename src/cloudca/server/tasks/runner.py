"""Executes tasks durably.

A task is inserted already claimed by the process that accepted the request (status RUNNING, a
lease owned by this process) and handed to one of this process's workers, so the usual path costs
no extra queue round trip. While it runs, a heartbeat renews the leases of every task this process
owns. If the process dies (even by SIGKILL), its leases expire; any process's janitor then claims
the orphan with one conditional UPDATE (exactly one winner), runs the handler's ``undo`` and marks
it FAILED, so every task ends and no entity stays in a transitional state. On SQLite the server is a
single process, so at start every RUNNING task is an orphan and is repaired at once.

Finished tasks stay retrievable for ``task_retention_seconds`` and are then purged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.config import Settings
from cloudca.server.db.base import new_id, utcnow
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.errors import InternalError, ServiceError
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import FAILED, FINISHED, RUNNING, Task

log = logging.getLogger("cloudca.tasks")


class TaskRunner:
    def __init__(self, database: Database, driver: ComputeDriver, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.context = TaskContext(database=database, driver=driver, settings=settings)
        self.owner = f"cloudca-{uuid.uuid4()}"
        self._handlers: dict[str, TaskHandler] = {}
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []
        self._waiters: dict[str, asyncio.Event] = {}
        self._waiter_counts: dict[str, int] = {}
        self._running = False

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
        event = self._waiters.setdefault(task_id, asyncio.Event())
        self._waiter_counts[task_id] = self._waiter_counts.get(task_id, 0) + 1
        try:
            while not await self._is_finished(task_id):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                # Tasks finishing in this process set the event; the bounded wait is the fallback
                # for tasks finished by another process.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(remaining, 1.0))
        finally:
            count = self._waiter_counts.pop(task_id, 1) - 1
            if count > 0:
                self._waiter_counts[task_id] = count
            else:
                self._waiters.pop(task_id, None)

    async def _is_finished(self, task_id: str) -> bool:
        async with self.database.session() as session:
            status = (
                await session.execute(select(Task.status).where(Task.id == task_id))
            ).scalar_one_or_none()
        return status is None or status in FINISHED

    def _notify(self, task_id: str) -> None:
        event = self._waiters.get(task_id)
        if event is not None:
            event.set()

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._running = True
        if self.database.is_sqlite:
            await self._recover_orphans(everyone=True)
        for index in range(self.settings.task_workers):
            self._workers.append(asyncio.create_task(self._worker(), name=f"task-worker-{index}"))
        self._background.append(asyncio.create_task(self._heartbeat(), name="task-heartbeat"))
        self._background.append(asyncio.create_task(self._janitor(), name="task-janitor"))

    async def stop(self) -> None:
        """Stop taking work. Tasks still running are left to the lease expiry and the janitor."""
        self._running = False
        for job in [*self._workers, *self._background]:
            job.cancel()
        for job in [*self._workers, *self._background]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
        self._workers.clear()
        self._background.clear()

    async def drain(self) -> None:
        """Wait until every dispatched task has been executed (tests and graceful shutdown)."""
        await self._queue.join()

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
            await asyncio.wait_for(handler.run(self.context, task), self.settings.task_timeout_seconds)
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
        async with self.database.session() as session:
            status = (await session.execute(select(Task.status).where(Task.id == task.id))).scalar_one()
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
        async with self.database.transaction() as session:
            await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.status == RUNNING)
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
        interval = max(self.settings.task_lease_seconds / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.database.transaction() as session:
                    await session.execute(
                        update(Task)
                        .where(Task.lease_owner == self.owner, Task.status == RUNNING)
                        .values(
                            lease_expires_at=utcnow() + timedelta(seconds=self.settings.task_lease_seconds)
                        )
                    )
            except Exception:
                log.exception("task lease renewal failed")

    async def _janitor(self) -> None:
        interval = max(min(self.settings.task_lease_seconds / 2, 30.0), 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                await self._recover_orphans(everyone=False)
                await self.purge_expired()
            except Exception:
                log.exception("task janitor failed")

    async def _recover_orphans(self, *, everyone: bool) -> None:
        """Fail and repair tasks whose process is gone (lease expired, or any at a SQLite start)."""
        now = utcnow()
        async with self.database.session() as session:
            query = select(Task.id).where(Task.status == RUNNING)
            if not everyone:
                query = query.where(Task.lease_expires_at < now)
            orphan_ids = list((await session.execute(query)).scalars())
        for task_id in orphan_ids:
            if await self._claim_orphan(task_id, everyone=everyone):
                async with self.database.session() as session:
                    task = (await session.execute(select(Task).where(Task.id == task_id))).scalar_one()
                log.warning("task %s (%s) was interrupted; repairing %s", task.id, task.kind, task.entity_id)
                handler = self._handlers.get(task.kind)
                if handler is None:
                    await self._mark_failed(task.id, InternalError("The task kind is unknown to this server"))
                else:
                    await self._fail(
                        handler, task, InternalError("The task was interrupted by a server failure")
                    )
                self._notify(task.id)

    async def _claim_orphan(self, task_id: str, *, everyone: bool) -> bool:
        now = utcnow()
        async with self.database.transaction() as session:
            query = update(Task).where(Task.id == task_id, Task.status == RUNNING)
            if not everyone:
                query = query.where(Task.lease_expires_at < now)
            result = await session.execute(
                query.values(
                    lease_owner=self.owner,
                    lease_expires_at=now + timedelta(seconds=self.settings.task_lease_seconds),
                    attempts=Task.attempts + 1,
                )
            )
        return bool(getattr(result, "rowcount", 0))

    async def purge_expired(self) -> int:
        cutoff = utcnow() - timedelta(seconds=self.settings.task_retention_seconds)
        async with self.database.transaction() as session:
            result = await session.execute(
                delete(Task).where(Task.status.in_(FINISHED), Task.ended_at < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)
