"""Documentation of the task summaries ``GET .../tasks`` lists (a cloudca extension)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class TaskSummary(BaseModel):
    id: str
    status: Literal["PENDING", "SUCCESS", "FAILED"]
    kind: str
    entityType: str
    entityId: str
    created: str
    ended: str | None = None
    result: Any | None = None
