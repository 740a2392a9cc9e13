"""The usage summary (API-CONTRACT 3.5, D's field list): instance-hours per compute offering,
volume GB-hours and public-IP hours, per environment, between two dates.

Summed from the intervals the database's triggers record in the transaction of each change
(migration ``12b_usage_records``), so the summary is exact even across crashes. cloudca has no
prices: ``utilityCost`` is 0 and there is no ``serviceConnectionPricingId``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.models import UsageRecord
from cloudca.server.catalog.models import ComputeOffering
from cloudca.server.db.base import iso, utcnow

PERIODS: dict[str, timedelta | None] = {"HOUR": timedelta(hours=1), "DAY": timedelta(days=1), "PERIOD": None}
SECONDARY = {"VOLUME": "GB", "PUBLIC_IP": "IP"}
HOUR = 3600.0


@dataclass(frozen=True)
class SummaryQuery:
    organization_ids: Sequence[str]
    start: datetime
    end: datetime
    period: str = "HOUR"
    service_connection_id: str | None = None
    include_cost: bool = True
    include_free_usage: bool = True
    combine_usage_types: bool = False


async def summary(session: AsyncSession, query: SummaryQuery) -> list[dict[str, Any]]:
    statement = select(UsageRecord).where(
        UsageRecord.organization_id.in_(query.organization_ids),
        UsageRecord.started_at < query.end,
        or_(UsageRecord.ended_at.is_(None), UsageRecord.ended_at > query.start),
    )
    if query.service_connection_id is not None:
        statement = statement.where(UsageRecord.service_connection_id == query.service_connection_id)
    records = list((await session.execute(statement)).scalars())
    offerings = {
        offering_id: name
        for offering_id, name in await session.execute(select(ComputeOffering.id, ComputeOffering.name))
    }
    totals: dict[tuple[str, str, str, str, str, datetime], float] = defaultdict(float)
    now = utcnow()
    for record in records:
        secondary = offerings.get(record.secondary or "", record.secondary or "") or SECONDARY.get(
            record.usage_type, ""
        )
        begin = max(record.started_at, query.start)
        finish = min(record.ended_at or now, query.end)
        usage_type = "" if query.combine_usage_types else record.usage_type
        secondary = "" if query.combine_usage_types else secondary
        for bucket, seconds in _buckets(begin, finish, query):
            key = (
                record.organization_id,
                record.service_connection_id,
                record.environment_id,
                usage_type,
                secondary,
                bucket,
            )
            totals[key] += seconds / HOUR * record.quantity
    if not query.include_free_usage:
        return []  # without prices every record is free (utilityCost 0)
    return [_row(key, usage, query) for key, usage in sorted(totals.items())]


def _buckets(begin: datetime, finish: datetime, query: SummaryQuery) -> list[tuple[datetime, float]]:
    """The periods ``[begin, finish)`` falls in, with the seconds spent in each."""
    if finish <= begin:
        return []
    step = PERIODS[query.period]
    if step is None:
        return [(query.start, (finish - begin).total_seconds())]
    out = []
    bucket = query.start + ((begin - query.start) // step) * step
    while bucket < finish:
        upper = bucket + step
        seconds = (min(upper, finish) - max(bucket, begin)).total_seconds()
        if seconds > 0:
            out.append((bucket, seconds))
        bucket = upper
    return out


def _row(key: tuple[str, str, str, str, str, datetime], usage: float, query: SummaryQuery) -> dict[str, Any]:
    organization_id, connection_id, environment_id, usage_type, secondary, bucket = key
    step = PERIODS[query.period]
    row: dict[str, Any] = {
        "organizationId": organization_id,
        "serviceConnectionId": connection_id,
        "environmentId": environment_id,
        "startDate": iso(bucket),
        "endDate": iso(min(bucket + step, query.end) if step is not None else query.end),
    }
    if query.include_cost:
        row["utilityCost"] = 0.0
    if not query.combine_usage_types:
        row.update(usageType=usage_type, secondaryType=secondary, utilityUsage=round(usage, 8))
    return row
