"""A request's fields carried by their names, so that only what differs is written: from the body
to the task payload (``payload_from``: the same camelCase names), from the payload (or the body)
to the new row (``columns``: the contract's camelCase names are the row's snake_case columns,
``publicIpId`` is ``public_ip_id``), and from a row to its representation (``fields_of``: the
representation's fields as its table of sortable columns names them, a table ``wire_columns``
makes by the same names)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import fields
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import QueryableAttribute

from cloudca.server.core.payloads import Payload

P = TypeVar("P", bound=Payload)
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


def payload_from(body: BaseModel, payload_type: type[P], **decided: Any) -> P:
    """The task payload of a request: the body's fields that the payload has, as given, and what the
    request's checks ``decided`` (the rows found, chosen values, defaults), which take precedence."""
    given = {
        field.name: getattr(body, field.name)
        for field in fields(payload_type)
        if field.name in type(body).model_fields
    }
    return payload_type(**(given | decided))


def fields_of(row: Any, table: Mapping[str, QueryableAttribute[Any]]) -> dict[str, Any]:
    """``row``'s representation fields that are its columns as read: each field of ``table`` (a
    list's sort table, whose fields are the representation's and whose values are the row's columns)."""
    return {name: getattr(row, column.key) for name, column in table.items()}


def wire_columns(model: Any, *names: str, **renamed: str) -> dict[str, QueryableAttribute[Any]]:
    """The columns of ``model`` that wire fields are, in the order given (an argument may name
    several, separated by spaces, as ``namedtuple``'s do): each the column of its snake case name,
    or the one ``renamed`` says (field=column)."""
    return {
        name: getattr(model, renamed.get(name) or snake_case(name))
        for group in names
        for name in group.split()
    }
