"""Reading a JSON body into a request model, with the contract's error codes.

``null`` and ``""`` mean "absent" (1.9), unknown keys are ignored, a missing required field is
``MISSING_FIELD`` and any other problem ``INVALID_FIELD`` naming the field and the value.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError

from cloudca.server.core.fields import Body
from cloudca.server.core.operations import Operation
from cloudca.server.errors import BadRequest, InvalidField, MissingField, ServiceError, ValidationErrors

M = TypeVar("M", bound=BaseModel)


async def read_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}`` (the Go client sends one with every call)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object")
    return data


def present(data: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys whose value means "absent"."""
    return {key: value for key, value in data.items() if value is not None and value != ""}


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(present(data))
    except ValidationError as exc:
        raise ValidationErrors(_problems(model, exc)) from exc


async def read_model(request: Request, model: type[M]) -> M:
    return validate(model, await read_object(request))


def _problems(model: type[BaseModel], exc: ValidationError) -> list[ServiceError]:
    problems: list[ServiceError] = []
    for item in exc.errors():
        loc = [str(part) for part in item["loc"]]
        top = loc[0] if loc else "body"
        field_info = model.model_fields.get(top)
        name = field_info.alias if field_info is not None and field_info.alias else top
        field = ".".join([name, *loc[1:]])
        if item["type"] == "missing":
            problems.append(MissingField(field))
        else:
            reason = str(item["msg"]).removeprefix("Value error, ")
            problems.append(InvalidField(field, item.get("input"), reason))
    return problems


def operation_body(operation: Operation[Any], raw: dict[str, Any]) -> Body | None:
    """The body of an ``?operation=`` request, read into the model its table names (``None``: none)."""
    return validate(operation.body, raw) if operation.body is not None else None
