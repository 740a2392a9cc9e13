"""Field types of request bodies, lenient exactly where the contract says so (1.9), and ``Body``,
the base class of every domain's request models.

Integers arrive as JSON numbers or decimal strings (the Go client sends strings), ids in any case
(emitted lowercase), booleans also as ``"true"``/``"false"``.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError("must be an integer")


def _to_uuid(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be a UUID")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValueError("must be a UUID") from None


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError("must be a boolean")


def _to_str(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _to_list(value: Any) -> Any:
    if not isinstance(value, list):
        raise ValueError("must be an array")
    return value


FlexInt = Annotated[int, BeforeValidator(_to_int)]
Uuid = Annotated[str, BeforeValidator(_to_uuid), Field(json_schema_extra={"format": "uuid"})]
FlexBool = Annotated[bool, BeforeValidator(_to_bool)]
Str = Annotated[str, BeforeValidator(_to_str)]
UuidList = Annotated[list[Uuid], BeforeValidator(_to_list)]
Port = Annotated[FlexInt, Field(ge=1, le=65535)]


class Body(BaseModel):
    """A request body: unknown keys are ignored (1.9), strings are kept as sent."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)
