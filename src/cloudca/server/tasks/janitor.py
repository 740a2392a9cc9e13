"""The janitor: repairs the tasks of processes that are gone, purges old tasks and worker rows.

A RUNNING task is an orphan when its owner holds no liveness lock (PostgreSQL, see
``tasks.liveness``) or when its lease expired. Each process's janitor looks every
``RECOVERY_INTERVAL_SECONDS``, claims an orphan with one conditional UPDATE that re-checks
orphanhood (row locks make exactly one janitor win) and hands it to the runner's repair, which runs
the handler's ``undo`` and ends the task FAILED, so every task ends and no entity stays in a
transitional state. A restarted process thus repairs its predecessor's tasks within about a second,
and the lease (renewed by the heartbeat for the tasks a process really holds) stays a safety net for
a process that is alive but dropped or wedged a task.

On SQLite the server is a single process, so at start every RUNNING task is an orphan and is
repaired at once; later, leases alone apply.

Finished tasks stay retrievable for ``task_retention_seconds`` and are then purged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.sql.elements import ColumnElement

from cloudca.server.config import Settings
from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.tasks.liveness import live_owners
from cloudca.server.tasks.models import FINISHED, RUNNING, Task, TaskWorker

log = logging.getLogger("cloudca.tasks")

#: How often the janitor looks for orphans (a dead PostgreSQL process is seen at the next look).
RECOVERY_INTERVAL_SECONDS = 1.0
#: How often finished tasks and dead workers' rows are purged.
PURGE_INTERVAL_SECONDS = 60.0

#: Starts the repair of a claimed orphan (the runner's); returns at once.
Repair = Callable[[str], None]


class Janitor:
    def __init__(
        self, database: Database, settings: Settings, *, owner: Callable[[], str], repair: Repair
    ) -> None:
        self.database = database
        self.settings = settings
        self._owner = owner
        self._repair = repair

    async def run(self) -> None:
        if self.database.is_postgresql:
            interval = RECOVERY_INTERVAL_SECONDS
        else:
            interval = max(min(self.settings.task_lease_seconds / 2, RECOVERY_INTERVAL_SECONDS), 0.05)
        purge_every = max(int(PURGE_INTERVAL_SECONDS / interval), 1)
        rounds = 0
        while True:
            await asyncio.sleep(interval)
            try:
                await self.recover_orphans(everyone=False)
                rounds += 1
                if rounds % purge_every == 0:
                    await self.purge_expired()
                    await self.forget_dead_workers()
            except Exception:
                log.exception("task janitor failed")

    def _orphan_condition(self, *, everyone: bool) -> Any:
        """SQL: the RUNNING task's owner is gone. ``everyone``: any RUNNING task (a SQLite start)."""
        if everyone:
            return Task.status == RUNNING
        expired = Task.lease_expires_at < utcnow()
        if not self.database.is_postgresql:
            return expired
        return expired | ~Task.lease_owner.in_(live_owners())

    async def recover_orphans(self, *, everyone: bool) -> int:
        """Claim and repair the tasks whose process is gone; returns how many this process claimed."""
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
        claimed = 0
        for task_id, seen_owner in orphans:
            if await self._claim(task_id, seen_owner, everyone=everyone):
                claimed += 1
                self._repair(task_id)
        return claimed

    async def _claim(self, task_id: str, seen_owner: str | None, *, everyone: bool) -> bool:
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
                    lease_owner=self._owner(),
                    lease_expires_at=now + timedelta(seconds=self.settings.task_lease_seconds),
                    attempts=Task.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
        return bool(getattr(result, "rowcount", 0))

    async def forget_dead_workers(self) -> None:
        """Delete the rows of processes that are gone and own nothing any more (bookkeeping only)."""
        async with self.database.transaction() as session:
            owns_tasks = select(Task.id).where(Task.lease_owner == TaskWorker.id, Task.status == RUNNING)
            dead: ColumnElement[bool]
            if self.database.is_postgresql:
                dead = ~TaskWorker.id.in_(live_owners())
            else:
                stale = timedelta(seconds=3 * self.settings.task_lease_seconds)
                dead = TaskWorker.heartbeat_at < utcnow() - stale
            await session.execute(
                delete(TaskWorker)
                .where(dead, ~owns_tasks.exists(), TaskWorker.id != self._owner())
                .execution_options(synchronize_session=False)
            )

    async def purge_expired(self) -> int:
        cutoff = utcnow() - timedelta(seconds=self.settings.task_retention_seconds)
        async with self.database.transaction() as session:
            result = await session.execute(
                delete(Task).where(Task.status.in_(FINISHED), Task.ended_at < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)
