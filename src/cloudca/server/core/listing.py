"""The list parameters a service receives (API-CONTRACT 7), already parsed by the edge (``api.paging``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cloudca.server.errors import InvalidQueryParameter


@dataclass(frozen=True)
class ListParams:
    page_number: int = 1
    page_size: int | None = None
    sort_by: str | None = None
    descending: bool = False

    @property
    def offset(self) -> int:
        return (self.page_number - 1) * (self.page_size or 0)

    def metadata(self, record_count: int) -> dict[str, Any]:
        meta: dict[str, Any] = {"recordCount": record_count}
        if self.page_size is not None:
            meta["pageSize"] = self.page_size
            meta["pageCurrent"] = self.page_number
        if self.sort_by is not None:
            meta["sortField"] = self.sort_by
            meta["sortOrder"] = "DESC" if self.descending else "ASC"
        return meta


def check_sort_field(params: ListParams, fields: Iterable[str]) -> None:
    if params.sort_by is not None and params.sort_by not in set(fields):
        raise InvalidQueryParameter("sort_by", params.sort_by, "not a sortable field of this representation")
