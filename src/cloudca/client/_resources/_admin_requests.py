"""Requests of the administration endpoints under ``/v1`` itself (synchronous ``data`` envelopes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from cloudca.client._base import Call, list_parser, model_parser
from cloudca.client._models import Model
from cloudca.client._resources._base import AsyncReadOnly, ReadOnly
from cloudca.client._resources._wire import wire_body, wire_query

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient
    from cloudca.client._client import Client

__all__ = ["AdminCollection", "AdminRequests", "AsyncAdminCollection", "admin_body"]

M = TypeVar("M", bound=Model)


class AdminRequests(Generic[M]):
    """Calls on ``/v1/{collection}`` (synchronous ``data`` envelopes, no tasks)."""

    def __init__(self, collection: str, model: type[M]) -> None:
        self.collection = collection
        self.model = model

    @property
    def entity_type(self) -> str:
        """What lists and name lookups call the entities (their collection's path)."""
        return self.collection

    def list(self, params: Mapping[str, Any]) -> Call[list[M]]:
        """``GET`` the collection."""
        return Call("GET", self.collection, list_parser(self.model), params=wire_query(params))

    def get(self, entity_id: str) -> Call[M]:
        """``GET`` one entity."""
        return Call("GET", f"{self.collection}/{entity_id}", model_parser(self.model))

    def create(self, body: Mapping[str, Any]) -> Call[M]:
        """``POST`` the collection; the answer is the created entity."""
        return Call("POST", self.collection, model_parser(self.model), body=body)

    def update(self, entity_id: str, body: Mapping[str, Any]) -> Call[M]:
        """``PUT`` the item; the answer is the updated entity."""
        return Call("PUT", f"{self.collection}/{entity_id}", model_parser(self.model), body=body)

    def delete(self, entity_id: str) -> Call[None]:
        """``DELETE`` the item (204)."""
        return Call("DELETE", f"{self.collection}/{entity_id}", lambda _: None, expect="empty")


class AdminCollection(ReadOnly[M]):
    """An administration collection naming its path (``_collection``) and representation (``_model``)
    as class attributes, so that none writes its own ``__init__``; ``_requests`` builds its calls."""

    _collection: ClassVar[str]
    _model: ClassVar[type[Any]]

    def __init__(self, client: Client) -> None:
        self._requests: AdminRequests[M] = AdminRequests(self._collection, self._model)
        super().__init__(client, self._requests)


class AsyncAdminCollection(AsyncReadOnly[M]):
    """The async twin of :class:`AdminCollection`."""

    _collection: ClassVar[str]
    _model: ClassVar[type[Any]]

    def __init__(self, client: AsyncClient) -> None:
        self._requests: AdminRequests[M] = AdminRequests(self._collection, self._model)
        super().__init__(client, self._requests)


def admin_body(
    fields: Mapping[str, Any],
    *,
    references: Mapping[str, str | None] | None = None,
    roles: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Body of an administration create or update (contract 3): ``fields`` on the wire (snake_case names,
    ``None`` left out), each of ``references`` that is given as ``{"id": ...}`` (``{"organization": id}``),
    and ``roles`` when given (they replace all the roles)."""
    body = wire_body(fields)
    body.update(wire_body({name: {"id": ref} for name, ref in (references or {}).items() if ref}))
    if roles is not None:
        body["roles"] = [dict(role) for role in roles]
    return body
