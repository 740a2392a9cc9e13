"""Documentation models of the envelopes, for ``/openapi.json``.

Responses are built as plain dicts and encoded by orjson (the hot path never re-validates its own
output); these models describe exactly those shapes, and ``tests/api/test_openapi.py`` checks real
responses against them.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class ErrorObject(BaseModel):
    code: int = Field(description="cloud.ca numeric error code")
    errorCode: str = Field(description="Symbolic error code, e.g. INVALID_STATE")
    message: str
    context: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    errors: list[ErrorObject]


class ListMetadata(BaseModel):
    recordCount: int
    pageSize: int | None = None
    pageCurrent: int | None = None
    sortField: str | None = None
    sortOrder: Literal["ASC", "DESC"] | None = None


class Single(BaseModel, Generic[T]):
    data: T


class Listing(BaseModel, Generic[T]):
    data: list[T]
    metadata: ListMetadata


class TaskAccepted(BaseModel):
    """The answer to every compute mutation."""

    taskId: str
    taskStatus: Literal["PENDING", "SUCCESS"]
    data: Any | None = None


class TaskData(BaseModel):
    id: str
    status: Literal["PENDING", "SUCCESS", "FAILED"]
    created: str
    result: Any | None = None


class TaskDocument(BaseModel):
    model_config = ConfigDict(json_schema_extra={"description": "A task, in D's and the Go client's shapes"})

    taskId: str
    taskStatus: Literal["PENDING", "SUCCESS", "FAILED"]
    result: Any | None = None
    data: TaskData


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in (
        (400, "Invalid request, invalid state or conflict"),
        (401, "Missing or unknown MC-Api-Key"),
        (403, "Not allowed"),
        (404, "Not found"),
    )
}
