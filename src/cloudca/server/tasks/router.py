"""``GET /v1/tasks/{id}``, with the ``?wait=N`` long-poll extension."""

from __future__ import annotations

from fastapi import APIRouter, Query

from cloudca.server.api.deps import CallerDep, RuntimeDep
from cloudca.server.api.envelope import JSONResponse
from cloudca.server.api.schemas import ERROR_RESPONSES, TaskDocument
from cloudca.server.errors import InvalidQueryParameter
from cloudca.server.tasks import service

router = APIRouter(tags=["tasks"])

MAX_WAIT_SECONDS = 60


@router.get("/v1/tasks/{task_id}", response_model=TaskDocument, responses=ERROR_RESPONSES)
async def get_task(
    task_id: str,
    runtime: RuntimeDep,
    caller: CallerDep,
    wait: str | None = Query(
        default=None, description="Hold the request until the task ends, at most this many seconds (0-60)."
    ),
) -> JSONResponse:
    """A task in both shapes: D's top-level ``taskId``/``taskStatus``/``result`` and the Go client's
    ``data.{id,status,created,result}``."""
    seconds = _wait_seconds(wait)
    task_id = task_id.lower()
    async with runtime.database.read() as connection:
        task = await service.get_task(connection, task_id)
    if not await runtime.access.may_see_task(
        runtime.database, caller, task.organization_id, task.environment_id
    ):
        raise service.not_found(task_id)
    if seconds and service.wire_status(task.status) == "PENDING":
        await runtime.tasks.wait(task_id, seconds)
        async with runtime.database.read() as connection:
            task = await service.get_task(connection, task_id)
    return JSONResponse(service.represent(task, runtime.tasks.secrets))


def _wait_seconds(raw: str | None) -> float:
    if raw is None or raw == "":
        return 0.0
    try:
        seconds = float(raw)
    except ValueError:
        raise InvalidQueryParameter("wait", raw, "must be a number of seconds") from None
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise InvalidQueryParameter("wait", raw, f"must be between 0 and {MAX_WAIT_SECONDS}")
    return seconds
