"""The base of task payloads: what a request decided, recorded with its task (JSON in
``tasks.payload``) and read back, typed, by the task's handler. Each domain declares one frozen
dataclass per task kind (``instances/payloads.py``, ``storage/payloads.py``, ...).

Field names are the JSON keys the payloads have always had, so a task recorded before an upgrade
reads the same after it. Unknown keys are ignored and missing ones take the field's default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Self


@dataclass(frozen=True)
class Payload:
    """Base of the payloads: to and from the JSON object stored with the task."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        known = {field.name for field in fields(cls)}
        values = {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
        return cls(**{key: value for key, value in values.items() if key in known})


@dataclass(frozen=True)
class NoPayload(Payload):
    """A task kind that carries nothing."""


@dataclass(frozen=True)
class Deleted(Payload):
    """A delete: the entity's representation when the request was accepted, the task's result
    should the entity be gone by the time the task runs."""

    last: dict[str, Any] | None = None
