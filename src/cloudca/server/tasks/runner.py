"""Executes tasks durably, exactly once, in any number of processes sharing one database.

Claiming. A task is inserted already claimed by the process that accepted the request (status
RUNNING, ``lease_owner`` = this process, a lease) and handed to one of this process's workers, so
the usual path costs no queue round trip and no other process ever sees it as work to do. Ending a
task (``TaskContext.succeed``, ``_end_failed``) is fenced by ``lease_owner``: only the current
owner's outcome commits, so a task ends exactly once.

Failure. When a handler fails, its ``undo`` runs; if the undo fails too (the driver refuses the
rollback), the repair tries again with exponential backoff (``task_repair_attempts`` tries, from
``task_repair_backoff_seconds``). The task stays held by this process meanwhile (its lease renewed,
so no one else repairs it at the same time), and the failure's reason is recorded in the row at
once, so whoever ends the task, even after a crash, reports what really happened. When every try
failed, the handler's ``abandon`` leaves the entity in a stable state that tells the truth (an
instance in ``Error``) and the task ends FAILED with both reasons.

The other concepts live beside this module: ``liveness`` (registration, liveness lock, heartbeat,
what losing the database connection does), ``janitor`` (orphans of dead processes, purging) and
``waiting`` (``?wait=`` long-polls).

Stopping. ``stop()`` drains: the workers finish what is queued and executing, for at most
``task_drain_seconds``; what is still running then is cancelled and left to the janitors (another
process, or this server's next start), which repair it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.config import Settings
from cloudca.server.db.base import new_id, utcnow
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.guard import GuardedDriver
from cloudca.server.errors import InternalError, ServiceError
from cloudca.server.tasks import sealing
from cloudca.server.tasks.handlers import TaskContext, TaskHandler, TaskLeaseLost
from cloudca.server.tasks.janitor import Janitor
from cloudca.server.tasks.liveness import Liveness
from cloudca.server.tasks.models import FAILED, RUNNING, Task
from cloudca.server.tasks.sealing import SecretBox
from cloudca.server.tasks.waiting import STATUS, Waiters

log = logging.getLogger("cloudca.tasks")

#: Called before a task runs or is repaired: lets a driver whose state lives in its process (the
#: simulator) learn an entity another process created. See ``instances.adoption.adopt_task_entity``.
Prepare = Callable[[Task], Awaitable[None]]

INTERRUPTED = "The task was interrupted by a server failure"


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
        self.waiters = Waiters(database)
        self.liveness = Liveness(
            database, settings, self.waiters, role=role, held=lambda: self._held, on_lost=self._on_lost
        )
        self.janitor = Janitor(database, settings, owner=lambda: self.owner, repair=self._spawn_repair)
        self.context = TaskContext(database=database, driver=driver, settings=settings, owner=self.owner)
        self._driver = driver
        self._prepare = prepare
        self._handlers: dict[str, TaskHandler] = {}
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []
        #: Tasks this process really holds (queued, executing, being repaired): only their leases
        #: are renewed.
        self._held: set[str] = set()
        #: What runs each held task right now; cancelled when liveness is lost.
        self._jobs: dict[str, asyncio.Task[None]] = {}
        self._repair_slots = asyncio.Semaphore(max(settings.task_workers, 1))

    @property
    def owner(self) -> str:
        """The ``lease_owner`` of this process's tasks (a new one after a lost liveness connection)."""
        return self.liveness.owner

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
        self._held.add(task_id)
        self._queue.put_nowait(task_id)

    @property
    def runs_inline(self) -> bool:
        """Whether ``submit`` runs tasks in the caller (``Settings.task_inline`` and an instant driver)."""
        return self.settings.task_inline and self.context.driver.capabilities.instant

    async def submit(self, task: Task) -> None:
        """Start a task whose rows have committed (``new_task``'s result).

        With an instant driver (``runs_inline``) it runs here, in the accepting request, and this
        returns when it has ended: no queue hop, no reload of the row, and the client's first
        ``?wait=`` finds it finished. The rows, states and outcome are a worker's (the same
        ``_execute``), and so is durability: the task was committed RUNNING under this process's
        lease first, so a crash meanwhile leaves an orphan that the janitor repairs. The job is
        awaited, not owned: a cancelled request does not cancel it, and ``stop`` drains it."""
        if not self.runs_inline:
            self.dispatch(task.id)
            return
        await asyncio.wait({self._start_job(task.id, self._execute(task.id, task))})

    async def wait(self, task_id: str, seconds: float) -> None:
        """Return when the task has ended in any process, or after ``seconds``."""
        await self.waiters.wait(task_id, seconds)

    async def purge_expired(self) -> int:
        return await self.janitor.purge_expired()

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def secrets(self) -> SecretBox | None:
        """Seals the secrets of task results (set by ``start``)."""
        return self.context.secrets

    async def start(self) -> None:
        """Register this process, repair what dead processes left, then start the workers."""
        await self.liveness.register()
        secrets = await sealing.load(self.settings, self.database)
        self.context = replace(self.context, owner=self.owner, secrets=secrets)
        for index in range(self.settings.task_workers):
            self._workers.append(asyncio.create_task(self._worker(), name=f"task-worker-{index}"))
        await self.janitor.recover_orphans(everyone=self.database.is_sqlite)
        self._background.append(asyncio.create_task(self.liveness.run(), name="task-heartbeat"))
        self._background.append(asyncio.create_task(self.janitor.run(), name="task-janitor"))

    async def stop(self) -> None:
        """Finish the queued and executing tasks within ``task_drain_seconds``, then stop. Tasks
        still running after that are orphans from now on: another process (or this server's next
        start) repairs them at once."""
        try:
            await asyncio.wait_for(self._idle(), self.settings.task_drain_seconds)
        except TimeoutError:
            log.warning("stopping with %d task(s) unfinished; they will be repaired", len(self._held))
        jobs = [*self._workers, *self._jobs.values(), *self._background]
        for job in jobs:
            job.cancel()
        for job in jobs:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
        self._workers.clear()
        self._background.clear()
        self._jobs.clear()
        await self.liveness.unregister()

    async def _idle(self) -> None:
        await self._queue.join()
        while self._jobs:
            await asyncio.wait(list(self._jobs.values()))

    async def drain(self) -> None:
        """Wait until every dispatched task has been executed (tests)."""
        await self._queue.join()

    def _on_lost(self, _old_owner: str) -> None:
        """Liveness lost: others may take our tasks over, so stop driving them now (their janitor
        repairs them; the fence refuses anything we would still write under the old name)."""
        self.context = replace(self.context, owner=self.owner)
        for job in list(self._jobs.values()):
            job.cancel()

    # -- execution -------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            task_id = await self._queue.get()
            try:
                # ``wait``, not ``await``: the job's cancellation (liveness lost) must not end the
                # worker; its failures are logged by ``_job_done``.
                await asyncio.wait({self._start_job(task_id, self._execute(task_id))})
            finally:
                self._queue.task_done()

    def _start_job(self, task_id: str, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` as the job of a held task: its lease is renewed until the job ends, and
        losing liveness cancels it."""
        self._held.add(task_id)
        job = asyncio.create_task(work, name=f"task-{task_id}")
        self._jobs[task_id] = job
        job.add_done_callback(partial(self._job_done, task_id))
        return job

    def _job_done(self, task_id: str, job: asyncio.Task[None]) -> None:
        if self._jobs.get(task_id) is job:
            del self._jobs[task_id]
            self._held.discard(task_id)
        if not job.cancelled() and job.exception() is not None:
            log.error("task %s: unexpected failure in the runner", task_id, exc_info=job.exception())

    def _task_context(self, task_id: str) -> TaskContext:
        """The context of one run or repair: its driver checks, before every backend call, that
        this process still holds the task (``GuardedDriver``), and maps backend failures."""
        ctx = self.context
        check = partial(self._check_lease, task_id, ctx.owner, time.monotonic())
        return replace(ctx, driver=GuardedDriver(self._driver, check))

    def _check_lease(self, task_id: str, owner: str, claimed: float) -> None:
        if not self.liveness.holds(owner, claimed):
            raise TaskLeaseLost(task_id)

    async def _execute(self, task_id: str, task: Task | None = None) -> None:
        """Run the task (``task``: the row as just committed by this process, else read here)."""
        ctx = self._task_context(task_id)
        if task is None:
            async with self.database.session() as session:
                task = (await session.execute(select(Task).where(Task.id == task_id))).scalar_one_or_none()
        if task is None or task.status != RUNNING or task.lease_owner != ctx.owner:
            return
        handler = self._handlers[task.kind]
        try:
            if self._prepare is not None:
                await self._prepare(task)
            # ``timeout`` rather than ``wait_for``: the same bound without a task of its own per run.
            async with asyncio.timeout(self.settings.task_timeout_seconds):
                await handler.run(ctx, task)
        except TaskLeaseLost:
            log.warning("task %s (%s) was taken over by another process", task.id, task.kind)
        except ServiceError as error:
            await self._fail(ctx, handler, task, error)
        except TimeoutError:
            await self._fail(ctx, handler, task, InternalError("The task did not finish in time"))
        except Exception as exc:
            log.exception("task %s (%s) failed unexpectedly", task.id, task.kind)
            unexpected = InternalError(f"The task failed unexpectedly: {type(exc).__name__}")
            await self._fail(ctx, handler, task, unexpected)
        else:
            await self._ensure_finished(ctx, task)
        finally:
            ctx.ended.discard(task.id)
        self.waiters.notify(task.id)

    async def _ensure_finished(self, ctx: TaskContext, task: Task) -> None:
        """A handler that returned without ``succeed`` has a bug; never leave its task pending.
        (A handler returns normally after ``succeed`` only once its transaction has committed: then
        there is nothing to read back.)"""
        if task.id in ctx.ended:
            return
        async with self.database.read() as connection:
            status = (await connection.execute(STATUS, {"task_id": task.id})).scalar_one()
        if status == RUNNING:
            await self._end_failed(ctx, task.id, _problems(InternalError("The task ended without a result")))

    # -- failure and repair ----------------------------------------------------------------------

    async def _fail(self, ctx: TaskContext, handler: TaskHandler, task: Task, error: ServiceError) -> None:
        """Record why the task failed (so any repairer reports it), then roll back and end it."""
        reason = _problems(error)
        async with self.database.transaction() as session:
            await session.execute(
                update(Task)
                .where(Task.id == task.id, Task.status == RUNNING, Task.lease_owner == ctx.owner)
                .values(result={"errors": reason})
                .execution_options(synchronize_session=False)
            )
        await self._undo_and_end(ctx, handler, task, reason)

    def _spawn_repair(self, task_id: str) -> None:
        """The janitor claimed an orphan: repair it as a job of its own (its backoff must not hold
        up the janitor)."""
        if task_id not in self._jobs:
            self._start_job(task_id, self._repair(task_id))

    async def _repair(self, task_id: str) -> None:
        async with self._repair_slots:
            ctx = self._task_context(task_id)
            async with self.database.session() as session:
                task = (await session.execute(select(Task).where(Task.id == task_id))).scalar_one_or_none()
            if task is None or task.status != RUNNING or task.lease_owner != ctx.owner:
                return
            log.warning("task %s (%s) was interrupted; repairing %s", task.id, task.kind, task.entity_id)
            recorded = task.result.get("errors") if isinstance(task.result, dict) else None
            reason = recorded or _problems(InternalError(INTERRUPTED))
            handler = self._handlers.get(task.kind)
            if handler is None:
                unknown = InternalError("The task kind is unknown to this server")
                await self._end_failed(ctx, task.id, _problems(unknown))
            else:
                if self._prepare is not None:
                    with contextlib.suppress(Exception):
                        await self._prepare(task)
                await self._undo_and_end(ctx, handler, task, reason)
            self.waiters.notify(task.id)

    async def _undo_and_end(
        self, ctx: TaskContext, handler: TaskHandler, task: Task, reason: list[dict[str, Any]]
    ) -> None:
        """Run ``undo`` until it succeeds (with backoff), or give up truthfully; end the task FAILED."""
        attempts = max(self.settings.task_repair_attempts, 1)
        delay = self.settings.task_repair_backoff_seconds
        failure: Exception = InternalError("no rollback attempted")
        for attempt in range(1, attempts + 1):
            try:
                await handler.undo(ctx, task)
            except TaskLeaseLost:
                log.warning("task %s (%s) was taken over during its rollback", task.id, task.kind)
                return
            except Exception as exc:
                log.warning("task %s: rollback attempt %d/%d failed: %s", task.id, attempt, attempts, exc)
                failure = exc
                if attempt < attempts:
                    await asyncio.sleep(delay)  # backoff between tries of a failing backend
                    delay *= 2
                continue
            await self._end_failed(ctx, task.id, reason)
            return
        log.error("task %s: rollback failed %d times; abandoning %s", task.id, attempts, task.entity_id)
        detail = (
            failure.message if isinstance(failure, ServiceError) else f"{type(failure).__name__}: {failure}"
        )
        rollback = InternalError(f"The rollback failed and was abandoned: {detail}")
        try:
            await handler.abandon(ctx, task)
        except Exception:
            log.exception("task %s: abandoning the rollback failed", task.id)
        await self._end_failed(ctx, task.id, [*reason, *_problems(rollback)])

    async def _end_failed(self, ctx: TaskContext, task_id: str, problems: list[dict[str, Any]]) -> None:
        """End the task FAILED, if this process still owns it (the fence of ``TaskContext.succeed``)."""
        async with self.database.transaction() as session:
            await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.status == RUNNING, Task.lease_owner == ctx.owner)
                .values(
                    status=FAILED,
                    result={"errors": problems},
                    ended_at=utcnow(),
                    lease_owner=None,
                    lease_expires_at=None,
                )
                .execution_options(synchronize_session=False)
            )


def _problems(error: ServiceError) -> list[dict[str, Any]]:
    """The error objects of a FAILED task's result."""
    return [problem.to_dict() for problem in error.errors()]
