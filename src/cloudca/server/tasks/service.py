"""Reading tasks: the two wire shapes of ``GET /v1/tasks/{id}`` (API-CONTRACT 2.3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudca.server.db.base import iso
from cloudca.server.db.inline_reads import InlineReads
from cloudca.server.errors import NotFound
from cloudca.server.tasks.models import FINISHED, Task
from cloudca.server.tasks.sealing import SecretBox

# Built once: a GET of a task is a hot path, and building a select costs more than running it.
_TASK = select(
    Task.id, Task.organization_id, Task.environment_id, Task.status, Task.created_at, Task.result
).where(Task.id == bindparam("task_id"))


def wire_status(status: str) -> str:
    return status if status in FINISHED else "PENDING"


def represent(task: Row[Any] | Task, secrets: SecretBox | None = None) -> dict[str, Any]:
    """Both wire shapes; the result's secrets decrypted with ``secrets`` (see ``tasks.sealing``)."""
    status = wire_status(task.status)
    data: dict[str, Any] = {"id": task.id, "status": status, "created": iso(task.created_at)}
    body: dict[str, Any] = {"taskId": task.id, "taskStatus": status}
    if status in FINISHED:
        result = secrets.unseal(task.result) if secrets is not None else task.result
        body["result"] = result
        data["result"] = result
    body["data"] = data
    return body


async def get_task(connection: AsyncConnection | InlineReads, task_id: str) -> Row[Any]:
    """The task; whether the caller may see it is ``AccessService.may_see_task``'s to say."""
    task = (await connection.execute(_TASK, {"task_id": task_id})).first()
    if task is None:
        raise not_found(task_id)
    return task


def not_found(task_id: str) -> NotFound:
    """Unknown, expired and invisible tasks get the same answer (2.2)."""
    return NotFound("task", task_id, f"No task with id {task_id}")
