"""``GET /v1/usage_summary/organizations/{id}`` (API-CONTRACT 3.5): for organization admins."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from cloudca.server.access import organizations, usage
from cloudca.server.access import schemas as docs
from cloudca.server.access.models import Organization
from cloudca.server.access.service import is_descendant
from cloudca.server.api.deps import CallerDep, RuntimeDep
from cloudca.server.api.envelope import listing
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing
from cloudca.server.errors import Forbidden, InvalidQueryParameter

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)
CSV_FIELDS = [
    "organizationId",
    "serviceConnectionId",
    "environmentId",
    "startDate",
    "endDate",
    "usageType",
    "secondaryType",
    "utilityCost",
    "utilityUsage",
]


@router.get("/v1/usage_summary/organizations/{organization_id}", response_model=Listing[docs.UsageSummary])
async def usage_summary(
    organization_id: str, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> Response:
    """Instance-hours per compute offering, volume GB-hours and public-IP hours, per environment,
    from ``start_date`` (inclusive) to ``end_date`` (exclusive); ``period`` HOUR, DAY or PERIOD;
    ``format`` JSON or CSV."""
    async with runtime.database.session() as session:
        organization = await organizations.visible(session, runtime.access, caller, organization_id)
        if not caller.is_org_admin:
            raise Forbidden("Only organization admins may read usage", permission="usage")
        params = request.query_params
        start, end = _date(params.get("start_date"), "start_date"), _date(params.get("end_date"), "end_date")
        if end <= start:
            raise InvalidQueryParameter("end_date", params.get("end_date"), "must be after start_date")
        period = (params.get("period") or "HOUR").upper()
        if period not in usage.PERIODS:
            raise InvalidQueryParameter("period", params.get("period"), "must be HOUR, DAY or PERIOD")
        output = (params.get("format") or "JSON").upper()
        if output not in ("JSON", "CSV"):
            raise InvalidQueryParameter("format", params.get("format"), "must be JSON or CSV")
        ids = [organization.id]
        if _flag(params.get("include_sub_orgs"), "include_sub_orgs", False):
            for other in (await session.execute(select(Organization.id))).scalars():
                if await is_descendant(session, other, organization.id):
                    ids.append(other)
        query = usage.SummaryQuery(
            organization_ids=ids,
            start=start,
            end=end,
            period=period,
            service_connection_id=params.get("service_connection_id") or None,
            include_cost=_flag(params.get("include_cost"), "include_cost", True),
            include_free_usage=_flag(params.get("include_free_usage"), "include_free_usage", True),
            combine_usage_types=_flag(params.get("combine_usage_types"), "combine_usage_types", False),
        )
        rows = await usage.summary(session, query)
    if output == "CSV":
        return Response(_csv(rows), media_type="text/csv; charset=utf-8")
    return listing(rows, {"recordCount": len(rows)})


def _date(raw: str | None, name: str) -> datetime:
    try:
        return datetime.strptime(raw or "", "%Y-%m-%d")
    except ValueError:
        raise InvalidQueryParameter(name, raw, "must be a date, YYYY-MM-DD") from None


def _flag(raw: str | None, name: str, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise InvalidQueryParameter(name, raw, "must be true or false")
    return raw.lower() == "true"


def _csv(rows: list[dict[str, Any]]) -> str:
    fields = [name for name in CSV_FIELDS if any(name in row for row in rows)] or CSV_FIELDS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
