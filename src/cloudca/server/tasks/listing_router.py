"""``GET /v1/services/{code}/{env}/tasks``: an environment's recent tasks (a cloudca extension).

The contract only reads tasks one by one; the web console's tasks panel and an instance's detail
page need "what ran here lately, and how did it end". Tasks live for the retention period, so the
list is short; newest first, at most ``limit``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from cloudca.server.api.deps import RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse
from cloudca.server.api.routes import ENVIRONMENT
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing
from cloudca.server.db.base import iso
from cloudca.server.tasks import service
from cloudca.server.tasks.models import Task
from cloudca.server.tasks.schemas import TaskSummary

router = APIRouter(tags=["tasks"])

MAX_LIMIT = 200


@router.get(
    f"{ENVIRONMENT}/tasks",
    response_model=Listing[TaskSummary],
    responses=ERROR_RESPONSES,
)
async def list_tasks(
    runtime: RuntimeDep,
    scope: ScopeDep,
    entity_id: str | None = Query(default=None, description="Only the tasks of this entity."),
    limit: int = Query(default=50, ge=1, le=MAX_LIMIT, description="At most this many, newest first."),
) -> JSONResponse:
    """The environment's tasks, newest first: id, status, kind, entity and (once ended) result."""
    query = (
        select(
            Task.id,
            Task.status,
            Task.kind,
            Task.entity_type,
            Task.entity_id,
            Task.created_at,
            Task.ended_at,
            Task.result,
        )
        .where(Task.environment_id == scope.id, Task.organization_id == scope.organization_id)
        .order_by(Task.created_at.desc(), Task.id)
        .limit(limit)
    )
    if entity_id:
        query = query.where(Task.entity_id == entity_id.lower())
    async with runtime.database.read() as connection:
        rows = (await connection.execute(query)).all()
    data = [_represent(row) for row in rows]
    return JSONResponse({"data": data, "metadata": {"recordCount": len(data)}})


def _represent(row: Any) -> dict[str, Any]:
    status = service.wire_status(row.status)
    item: dict[str, Any] = {
        "id": row.id,
        "status": status,
        "kind": row.kind,
        "entityType": row.entity_type,
        "entityId": row.entity_id,
        "created": iso(row.created_at),
        "ended": iso(row.ended_at) if row.ended_at else None,
    }
    if status != "PENDING":
        item["result"] = row.result
    return item
