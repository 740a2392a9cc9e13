"""Reading tasks: the two wire shapes of ``GET /v1/tasks/{id}`` (API-CONTRACT 2.3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.db.base import iso
from cloudca.server.errors import NotFound
from cloudca.server.tasks.models import FINISHED, Task


def wire_status(status: str) -> str:
    return status if status in FINISHED else "PENDING"


def represent(task: Task) -> dict[str, Any]:
    status = wire_status(task.status)
    data: dict[str, Any] = {"id": task.id, "status": status, "created": iso(task.created_at)}
    body: dict[str, Any] = {"taskId": task.id, "taskStatus": status}
    if status in FINISHED:
        body["result"] = task.result
        data["result"] = task.result
    body["data"] = data
    return body


async def get_task(session: AsyncSession, task_id: str, organization_id: str) -> Task:
    """The task, if it belongs to the caller's organization; others' tasks do not exist (2.2)."""
    task = (await session.execute(select(Task).where(Task.id == task_id))).scalar_one_or_none()
    if task is None or task.organization_id != organization_id:
        raise NotFound("task", task_id, f"No task with id {task_id}")
    return task
