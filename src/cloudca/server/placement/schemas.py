"""Documentation of the affinity group representation (API-CONTRACT 6.12)."""

from __future__ import annotations

from pydantic import BaseModel


class AffinityGroup(BaseModel):
    id: str
    name: str
    description: str
    type: str
    instanceIds: list[str]
    instanceNames: list[str]
    zoneIds: list[str]
