"""``GET /v1/metrics`` (a cloudca extension): the server's metrics in Prometheus' text format.

Server-wide figures (hosts, every organization's instances and tasks), so only administrators of
the root organization (the one a new server seeds) may read them. Authenticated like every request
(``MC-Api-Key``); Prometheus sends the header with ``http_headers`` in its scrape configuration.
"""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select
from starlette.responses import Response

from cloudca.server.access.models import Organization
from cloudca.server.api.deps import CallerDep, RuntimeDep
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.errors import Forbidden
from cloudca.server.metrics import collect

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)

_TEXT = {200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Metrics"}}


@router.get("/v1/metrics", response_class=Response, responses=_TEXT)  # type: ignore[arg-type]
async def metrics(runtime: RuntimeDep, caller: CallerDep) -> Response:
    """Hosts (up, CPUs and memory used and in all), machines cloudca does not know per host,
    drift corrections, instances by state and tasks by status."""
    async with runtime.database.read() as connection:
        parent = (
            await connection.execute(
                select(Organization.parent_id).where(Organization.id == caller.organization_id)
            )
        ).scalar_one_or_none()
    if not caller.is_org_admin or parent is not None:
        raise Forbidden("Only administrators of the root organization may read metrics", permission="metrics")
    drift = runtime.drift
    figures = await collect.snapshot(
        runtime.database,
        drift.unknown_machines if drift is not None else {},
        drift.corrections if drift is not None else 0,
    )
    return Response(generate_latest(collect.registry(figures)), media_type=CONTENT_TYPE_LATEST)
