"""Documentation of what ``GET /v1`` and ``GET /healthz`` answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ApiRoot(BaseModel):
    name: str
    version: str
    documentation: str
    openapi: str
    console: str


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    version: str
    reason: str | None = None
