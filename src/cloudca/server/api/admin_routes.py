"""The administration's resources (organizations, environments, users), their routes declared once.

Unlike an environment's resources, administration is synchronous (API-CONTRACT 3): a create or an
update answers the row's representation in the ``data`` envelope, a delete answers 204 with no
body, and who may see or change a row is the caller's (not an environment's) affair. A router
describes the resource (``Administered``) and declares its routes with ``AdminRoutes``; the routes
publish what hand-written ones would (``api.routes.declare``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from cloudca.server.access.service import AccessService, Caller
from cloudca.server.api.body import read_model
from cloudca.server.api.deps import CallerDep
from cloudca.server.api.envelope import single
from cloudca.server.api.routes import Call, Routes
from cloudca.server.api.schemas import Single

R = TypeVar("R")
B = TypeVar("B", bound=BaseModel)
#: The row a path names, for this caller; else ``NotFound`` (or ``Forbidden``).
Lookup = Callable[[AsyncSession, AccessService, Caller, str], Awaitable[R]]


@dataclass(frozen=True)
class Administered(Generic[R]):
    """One administration collection and its items."""

    #: The collection's path; an item's is ``{collection}/{<item>}``.
    collection: str
    #: The name of the item's path parameter.
    item: str
    #: The documentation model of one item.
    model: type[BaseModel]
    #: The item if the caller may see it (reads).
    visible: Lookup[R]
    #: The item if the caller may change it (updates, deletes).
    administered: Lookup[R]
    #: The item as the API shows it.
    represent: Callable[[AsyncSession, R], Awaitable[Any]]

    @property
    def item_path(self) -> str:
        return f"{self.collection}/{{{self.item}}}"


class AdminRoutes(Routes[Caller]):
    """Declares a router's administration routes."""

    who = ("caller", CallerDep)

    def get(self, resource: Administered[R], name: str, doc: str) -> None:
        """``GET`` an item the caller may see."""
        self._get(
            resource,
            name,
            doc,
            lambda session, call: resource.visible(session, call.runtime.access, call.who, call.item_id),
        )

    def create(
        self,
        resource: Administered[R],
        name: str,
        doc: str,
        *,
        body: type[B],
        create: Callable[[AsyncSession, AccessService, Caller, B], Awaitable[R]],
    ) -> None:
        """``POST`` the collection: the new item, in one transaction."""

        async def handle(call: Call[Caller]) -> Response:
            request_body = await read_model(call.request, body)
            async with call.runtime.database.transaction() as session:
                row = await create(session, call.runtime.access, call.who, request_body)
                return single(await resource.represent(session, row))

        model = Single[resource.model]  # type: ignore[name-defined]
        self._add(resource.collection, "POST", name, doc, handle, response_model=model)

    def update(
        self,
        resource: Administered[R],
        name: str,
        doc: str,
        *,
        body: type[B],
        update: Callable[[AsyncSession, AccessService, Caller, R, B], Awaitable[None]],
        also_post: bool = False,
    ) -> None:
        """``PUT`` an item (and, with ``also_post``, an undocumented ``POST``): the item changed."""

        async def handle(call: Call[Caller]) -> Response:
            request_body = await read_model(call.request, body)
            async with call.runtime.database.transaction() as session:
                row = await resource.administered(session, call.runtime.access, call.who, call.item_id)
                await update(session, call.runtime.access, call.who, row, request_body)
                return single(await resource.represent(session, row))

        model = Single[resource.model]  # type: ignore[name-defined]
        self._add(resource.item_path, "PUT", name, doc, handle, item=resource.item, response_model=model)
        if also_post:
            self._add(
                resource.item_path,
                "POST",
                name,
                doc,
                handle,
                item=resource.item,
                response_model=model,
                include_in_schema=False,
            )

    def delete(
        self,
        resource: Administered[R],
        name: str,
        doc: str,
        *,
        delete: Callable[[AsyncSession, Caller, R], Awaitable[None]],
    ) -> None:
        """``DELETE`` an item: 204, no body."""

        async def handle(call: Call[Caller]) -> Response:
            async with call.runtime.database.transaction() as session:
                row = await resource.administered(session, call.runtime.access, call.who, call.item_id)
                await delete(session, call.who, row)
            return Response(status_code=204)

        self._add(
            resource.item_path,
            "DELETE",
            name,
            doc,
            handle,
            item=resource.item,
            status_code=204,
            response_class=Response,
        )
