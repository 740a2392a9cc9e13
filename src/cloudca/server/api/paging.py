"""Paging, sorting and filter parameters of list endpoints (API-CONTRACT 7)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from fastapi import Request

from cloudca.server.core.listing import ListParams
from cloudca.server.errors import InvalidQueryParameter

__all__ = ["ListParams", "choice_filter", "list_params", "uuid_filter"]


#: Upper bound of ``page_number`` and ``page_size``: their product, the offset, fits SQL's 64 bits.
MAX_PAGE_VALUE = 2**31 - 1


def _positive(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= MAX_PAGE_VALUE:
        raise InvalidQueryParameter(name, raw, f"must be an integer between 1 and {MAX_PAGE_VALUE}")
    return int(raw)


async def list_params(request: Request) -> ListParams:
    """Reads ``page_number``, ``page_size``, ``sort_by`` and ``sort_order``."""
    sort_order = request.query_params.get("sort_order")
    if sort_order is not None and sort_order.upper() not in ("ASC", "DESC"):
        raise InvalidQueryParameter("sort_order", sort_order, "must be ASC or DESC")
    return ListParams(
        page_number=_positive(request, "page_number") or 1,
        page_size=_positive(request, "page_size"),
        sort_by=request.query_params.get("sort_by") or None,
        descending=sort_order is not None and sort_order.upper() == "DESC",
    )


def uuid_filter(request: Request, name: str) -> str | None:
    """An id filter: lowercase canonical, or 400 when it is not a UUID at all."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise InvalidQueryParameter(name, raw, "must be a UUID") from None


def choice_filter(request: Request, name: str, allowed: Iterable[str]) -> str | None:
    """An enumeration filter, matched case-insensitively; returns the canonical spelling."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    for value in allowed:
        if value.lower() == raw.lower():
            return value
    raise InvalidQueryParameter(name, raw, f"must be one of {', '.join(allowed)}")
