"""The columns of a new row from what a request decided: a task payload's (or a request body's)
fields are the contract's camelCase names of the row's snake_case columns (``publicIpId`` is
``public_ip_id``), so a handler creating a row names only the exceptions."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import fields
from functools import cache
from typing import Any

from pydantic import BaseModel

from cloudca.server.core.payloads import Payload

_HUMP = re.compile(r"(?<!^)(?=[A-Z])")


@cache
def snake_case(name: str) -> str:
    """The column a camelCase field names: ``sizeInGb`` is ``size_in_gb``."""
    return _HUMP.sub("_", name).lower()


def _field_names(source: Payload | BaseModel) -> Iterable[str]:
    if isinstance(source, BaseModel):
        return type(source).model_fields
    return (field.name for field in fields(source))


def columns(source: Payload | BaseModel, *, omit: Collection[str] = (), **renamed: str) -> dict[str, Any]:
    """``source``'s fields as the new row's column values, but those in ``omit`` (not columns of
    the row); a field whose column is not its snake case name is ``renamed`` (field=column)."""
    return {
        renamed.get(name) or snake_case(name): getattr(source, name)
        for name in _field_names(source)
        if name not in omit
    }
