"""The base of every SDK model, and the small types the models share (see ``_models``)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel


class Model(BaseModel):
    """Base of every representation: camelCase aliases, unknown keys kept, dumps by alias."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object the server sent (keys it omitted stay omitted)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _iso_millis(value: datetime) -> str:
    """Format like the server (contract 1.9): ISO 8601 UTC with milliseconds."""
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# Dumped back in the server's own format so JSON output round-trips.
Timestamp = Annotated[datetime, PlainSerializer(_iso_millis, return_type=str, when_used="json")]


class TaskStatus(StrEnum):
    """Status of an asynchronous task (contract 2.3)."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class ErrorDetail(Model):
    """One object of the error envelope (contract 2.4)."""

    code: int | None = None
    error_code: str = ""
    message: str = ""
    context: dict[str, Any] = Field(default_factory=dict)


class Reference(Model):
    """A nested ``{id, name}`` pointer to another entity."""

    id: str | None = None
    name: str | None = None
