"""What a request carries: bodies and query strings from keyword arguments, and a name resolved to an
id the way the Terraform provider does."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic.alias_generators import to_camel

from cloudca.client._exceptions import AmbiguousNameError, NameNotFoundError
from cloudca.client._models import Model

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Wire names that the camelCase rule cannot derive from the snake_case argument names.
_WIRE_NAMES = {
    "memory_in_mb": "memoryInMB",
    "available_memory_in_mb_values": "availableMemoryInMBValues",
}


def is_uuid(value: str) -> bool:
    """Whether ``value`` has the shape of an entity id."""
    return bool(_UUID.match(value))


def wire_body(params: Mapping[str, Any]) -> dict[str, Any]:
    """Turn snake_case keyword arguments into a request body; ``None`` values are left out, and a
    sequence (``instance_ids`` given as a tuple) is sent as a JSON list."""
    return {
        _WIRE_NAMES.get(key, to_camel(key)): _wire_value(value)
        for key, value in params.items()
        if value is not None
    }


def _wire_value(value: Any) -> Any:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str | bytes) else value


def wire_query(params: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters as strings (booleans lowercased); ``None`` values are left out."""
    return {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in params.items()
        if value is not None
    }


def pick_reference(
    entity_type: str, reference: str, entities: Sequence[Model], name_field: str = "name"
) -> str:
    """Resolve ``reference`` the way the Terraform provider does: id, else unique name.

    An exact-case name match wins over a case-insensitive one; several matches, or none, raise a
    :class:`~cloudca.ResolutionError` that lists the candidates.
    """
    pairs = [(str(getattr(e, "id", "") or ""), str(getattr(e, name_field, "") or "")) for e in entities]
    lowered = reference.lower()
    for entity_id, _ in pairs:
        if entity_id and entity_id.lower() == lowered:
            return entity_id
    for matches in (
        [pair for pair in pairs if pair[1] == reference],
        [pair for pair in pairs if pair[1].lower() == lowered],
    ):
        if len(matches) == 1:
            return matches[0][0]
        if len(matches) > 1:
            raise AmbiguousNameError(
                f"{len(matches)} {entity_type} are named {reference!r}; use an id",
                entity_type=entity_type,
                reference=reference,
                candidates=matches,
            )
    raise NameNotFoundError(
        f"No {entity_type} match {reference!r} (by id or name)",
        entity_type=entity_type,
        reference=reference,
        candidates=pairs,
    )
