"""A resource's ``?operation=`` table (API-CONTRACT 1.4, 1.6): for each operation, the name on the
wire, the body model the edge reads, the check (precondition) the request runs and the task kind
it starts. Routers look the operation up here and call its check, so they hold no if-chains; an
operation the table lacks is ``UNKNOWN_OPERATION`` naming the entity type.

``C`` is the type of the resource's checks (each table's entity and arguments differ).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core.fields import Body
from cloudca.server.core.payloads import Payload
from cloudca.server.errors import UnknownOperation

C = TypeVar("C")
S = TypeVar("S")

#: The usual check: it takes the session, the environment (``S``, an ``EnvironmentScope``, which this
#: low module does not import), the resource's row and the typed body (``None`` without a model),
#: and returns the task's payload.
EntityCheck = Callable[[AsyncSession, S, Any, Any], Awaitable[Payload]]


@dataclass(frozen=True)
class Operation(Generic[C]):
    #: The name on the wire (matched case-insensitively, 1.4).
    name: str
    #: The task kind the operation starts.
    kind: str
    #: Checks the request against the database; returns what the task needs (its payload).
    check: C
    #: The body's model; ``None`` when the operation reads no body.
    body: type[Body] | None = None
    #: The entity type the task creates (on a new id); ``None``: the task acts on the resource.
    creates: str | None = None


class Operations(Generic[C]):
    """One resource's operations; ``default`` answers a request without ``?operation=`` (an update)."""

    def __init__(
        self, entity_type: str, *operations: Operation[C], default: Operation[C] | None = None
    ) -> None:
        self.entity_type = entity_type
        self.default = default
        self._by_name = {operation.name.lower(): operation for operation in operations}

    def find(self, name: str | None) -> Operation[C]:
        """The operation ``?operation=`` names, the default one without it, or UNKNOWN_OPERATION."""
        if not name and self.default is not None:
            return self.default
        operation = self._by_name.get((name or "").lower())
        if operation is None:
            raise UnknownOperation(name or "", self.entity_type)
        return operation
