"""The contract's response envelopes (API-CONTRACT 2.1-2.4), serialised with orjson."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from starlette.responses import Response

from cloudca.server.errors import ServiceError

MEDIA_TYPE = "application/json; charset=utf-8"


class JSONResponse(Response):
    """A JSON response with the contract's content type; bodies are encoded once, by orjson."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def single(data: Any) -> JSONResponse:
    return JSONResponse({"data": data})


def listing(items: Sequence[Any], metadata: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"data": list(items), "metadata": metadata})


def task_accepted(task_id: str, status: str = "PENDING", data: Any = None) -> JSONResponse:
    """The answer to every compute mutation: ``{taskId, taskStatus}`` (and ``data`` when done)."""
    body: dict[str, Any] = {"taskId": task_id, "taskStatus": status}
    if data is not None:
        body["data"] = data
    return JSONResponse(body)


def error_body(error: ServiceError) -> dict[str, Any]:
    return {"errors": [problem.to_dict() for problem in error.errors()]}
