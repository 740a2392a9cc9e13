"""What a task kind must provide: how to run it, and how to undo it after a failure or a crash."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.config import Settings
from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.tasks.models import RUNNING, SUCCESS, Task
from cloudca.server.tasks.sealing import SecretBox


class TaskLeaseLost(Exception):
    """This process no longer owns the task: another process took it over as an orphan (this one
    was presumed dead, e.g. its database connection broke). Raised inside the ending transaction,
    so it rolls back and only the new owner's outcome is recorded."""


@dataclass(frozen=True)
class TaskContext:
    """What a handler may use. It opens its own transactions through ``database``."""

    database: Database
    driver: ComputeDriver
    settings: Settings
    #: The ``lease_owner`` of this process's tasks; ending a task is fenced by it.
    owner: str = ""
    #: Encrypts the secrets of results (passwords) before they are stored.
    secrets: SecretBox | None = None
    #: Ids of tasks whose ``succeed`` ran in a transaction that the handler then left normally
    #: (so it committed): the runner need not read their status back. Shared by every copy.
    ended: set[str] = field(default_factory=set)

    async def succeed(self, session: AsyncSession, task: Task, result: Any) -> None:
        """Mark ``task`` SUCCESS inside the handler's last transaction, so the entity's final state
        and the task's end commit together (a crash cannot separate them).

        Only while this process still owns the task: otherwise ``TaskLeaseLost`` rolls the whole
        transaction back, so a task never ends twice, even when two processes both ran it."""
        if self.secrets is not None:
            result = self.secrets.seal(result)
        params = {"task_id": task.id, "owner": self.owner, "task_result": result, "task_ended_at": utcnow()}
        ended = await session.execute(_SUCCEED, params)
        if not getattr(ended, "rowcount", 0):
            raise TaskLeaseLost(task.id)
        self.ended.add(task.id)


# Built once: every task ends with it. (Bound names differ from the columns', which SQLAlchemy
# reserves for the SET clause.)
_SUCCEED = (
    update(Task)
    .where(Task.id == bindparam("task_id"), Task.status == RUNNING, Task.lease_owner == bindparam("owner"))
    .values(
        status=SUCCESS,
        result=bindparam("task_result", type_=Task.__table__.c.result.type),
        ended_at=bindparam("task_ended_at", type_=Task.__table__.c.ended_at.type),
        lease_owner=None,
        lease_expires_at=None,
    )
    .execution_options(synchronize_session=False)
)


class TaskHandler(abc.ABC):
    """One kind of task, e.g. ``instances.start``."""

    kind: str

    @abc.abstractmethod
    async def run(self, ctx: TaskContext, task: Task) -> None:
        """Do the work; the last transaction calls ``ctx.succeed``. Raise ``ServiceError`` (or any
        exception) to fail: the runner then calls ``undo`` and marks the task FAILED."""

    @abc.abstractmethod
    async def undo(self, ctx: TaskContext, task: Task) -> None:
        """Leave the entity consistent after a failed or interrupted ``run``: roll back what a
        create allocated, or put an existing entity in a stable state. Must be idempotent: after a
        crash it may run again."""

    async def abandon(self, ctx: TaskContext, task: Task) -> None:
        """``undo`` kept failing: without the driver, leave the entity in a stable state that tells
        the truth (e.g. an instance in ``Error``: its machine may or may not exist). Database only.
        By default nothing: the entity's rows are already the truth."""
        return None  # an optional hook: returning makes it non-empty for the linter
