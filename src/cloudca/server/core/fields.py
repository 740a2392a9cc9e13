"""Field types of request bodies, lenient exactly where the contract says so (1.9), and ``Body``,
the base class of every domain's request models.

Integers arrive as JSON numbers or decimal strings (the Go client sends strings), ids in any case
(emitted lowercase), booleans also as ``"true"``/``"false"``.

Every integer has a range, so no value the database cannot store (its integer columns are 32-bit on
PostgreSQL) reaches SQL or a task: ``FlexInt`` alone is the column's range, and the named types
below carry the contract's bound where it gives one, else a sane cloud limit, the same on every
path that takes that quantity.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cloudca.server.errors import InvalidField, ServiceError

_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
#: The range of the database's integer columns (``INTEGER`` is 32-bit on PostgreSQL).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Volume sizes, in GB: root volumes, data volumes, resizes (a sane cloud limit; the contract gives none).
MAX_VOLUME_GB = 1024
#: IOPS of a custom-IOPS volume (offerings may bound it further).
MAX_IOPS = 100_000
#: Custom compute sizes (offerings' allowed values bound them further).
MAX_CPU_COUNT = 1024
MAX_MEMORY_MB = 4 * 1024 * 1024


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.match(value.strip()):
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise ValueError("must be an integer")
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(f"must be an integer between {INT_MIN} and {INT_MAX}")
    return number


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
SizeInGb = Annotated[FlexInt, Field(ge=1, le=MAX_VOLUME_GB)]
Iops = Annotated[FlexInt, Field(ge=1, le=MAX_IOPS)]
CpuCount = Annotated[FlexInt, Field(ge=1, le=MAX_CPU_COUNT)]
MemoryInMB = Annotated[FlexInt, Field(ge=1, le=MAX_MEMORY_MB)]


class Body(BaseModel):
    """A request body: unknown keys are ignored (1.9), strings are kept as sent."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


def not_one_of(
    field: str, value: str | None, allowed: Sequence[str], *, shown: Sequence[str] | None = None
) -> ServiceError | None:
    """The refusal of a word that is none of ``allowed`` (compared in lower case; the message lists
    ``shown``, by default ``allowed``); ``None`` for an allowed or absent one. A check collects these
    to refuse every bad field of a request at once."""
    if value is None or value.lower() in allowed:
        return None
    return InvalidField(field, value, f"must be one of {', '.join(shown or allowed)}")
