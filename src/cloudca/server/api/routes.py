"""An environment resource's routes, declared once.

Most resources of an environment are served by the same five routes: list the collection, get an
item, create one, run an ``?operation=`` on one, delete one (the last three start a task). Their
bodies differ only in the service functions they call, so a router describes the resource once
(``Resource``: its paths, how an item is found and represented) and declares the routes it serves
with ``ResourceRoutes``. A route declared here publishes what a hand-written one would: its path,
its name (the OpenAPI operation id), its docstring and its response model.

``api/`` imports no domain (``tests/unit/test_architecture.py``), and ``tasks`` is one: recording
and dispatching a task comes in as a callable typed by ``Submit``, which routers pass as
``tasks.entity.submit``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.api.body import operation_body, read_model, read_object
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import ListParams, choice_filter, uuid_filter
from cloudca.server.api.schemas import Listing, Single, TaskAccepted
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.core.operations import Operations
from cloudca.server.core.payloads import Deleted, Payload
from cloudca.server.runtime import Runtime

T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)
TaskPayload = Payload | dict[str, Any]
#: A list's items (represented) and its ``metadata``.
Page = tuple[Sequence[Any], dict[str, Any]]


class Identified(Protocol):
    """A row a task can name: what ``find`` returns."""

    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=Identified)


class Submit(Protocol):
    """Records a task for an entity and hands it to a worker; returns the task id."""

    async def __call__(
        self,
        runtime: Runtime,
        scope: EnvironmentScope,
        *,
        kind: str,
        entity_type: str,
        entity_id: str | None = None,
        payload: TaskPayload | None = None,
    ) -> str: ...


def plain(view: Callable[[R], T]) -> Callable[[AsyncSession, R], Awaitable[T]]:
    """A representation (or check) that needs only the row, in the form ``Resource`` takes."""

    async def call(session: AsyncSession, row: R) -> T:
        return view(row)

    return call


def by_id(read: Callable[[AsyncSession, str], Awaitable[T]]) -> Callable[[AsyncSession, R], Awaitable[T]]:
    """A representation read again from the database by the row's id."""

    async def call(session: AsyncSession, row: R) -> T:
        return await read(session, row.id)

    return call


@dataclass(frozen=True)
class Filter:
    """A list filter in the query string: a UUID, or one of ``allowed`` (any case)."""

    name: str
    allowed: tuple[str, ...] | None = None
    #: The lister's keyword argument, when it is not ``name``.
    keyword: str | None = None

    def read(self, request: Request) -> str | None:
        if self.allowed is None:
            return uuid_filter(request, self.name)
        return choice_filter(request, self.name, self.allowed)


#: Where an environment's collections are (API-CONTRACT 1.2): ``{ENVIRONMENT}/{entity type}``.
ENVIRONMENT = "/v1/services/{service_code}/{environment_name}"


@dataclass(frozen=True)
class Resource(Generic[R]):
    """One collection of an environment and its items."""

    #: The entity type: the collection's name in its path (``collection``) and in its tasks.
    entity_type: str
    #: The name of the item's path parameter (``volume_id``, ``name_or_id``, ...).
    item: str
    #: The documentation model of one item.
    model: type[BaseModel]
    #: The item a path names, or ``NotFound``.
    find: Callable[[AsyncSession, EnvironmentScope, str], Awaitable[R]]
    #: The item as the API shows it.
    represent: Callable[[AsyncSession, R], Awaitable[Any]]

    @property
    def collection(self) -> str:
        return f"{ENVIRONMENT}/{self.entity_type}"

    @property
    def item_path(self) -> str:
        return f"{self.collection}/{{{self.item}}}"


W = TypeVar("W")


@dataclass(frozen=True)
class Call(Generic[W]):
    """What a declared route's handler receives: the item's id (``""`` on the collection), the
    request, the runtime, who asks (an environment's scope, or the caller) and a list's parameters."""

    item_id: str
    request: Request
    runtime: EdgeRuntime
    who: W
    params: ListParams | None = None


class Listable(Protocol):
    """A collection a list route serves."""

    @property
    def collection(self) -> str: ...

    @property
    def model(self) -> type[BaseModel]: ...


class Shown(Listable, Protocol):
    """A collection whose items a get route shows."""

    @property
    def item(self) -> str: ...

    @property
    def item_path(self) -> str: ...

    @property
    def represent(self) -> Callable[[AsyncSession, Any], Awaitable[Any]]: ...


class Routes(Generic[W]):
    """What the route builders share: a router, who asks (a dependency's name and annotation: the
    environment's scope, or the caller) and the list route."""

    who: tuple[str, Any]

    def __init__(self, router: APIRouter) -> None:
        self.router = router

    def list(
        self,
        resource: Listable,
        name: str,
        doc: str,
        lister: Callable[..., Awaitable[Page]],
        *filters: Filter,
    ) -> None:
        """``GET`` the collection: ``lister(session, who, params, **filters)``."""

        async def handle(call: Call[W]) -> Response:
            values = {f.keyword or f.name: f.read(call.request) for f in filters}
            async with call.runtime.database.session() as session:
                return listing(*await lister(session, call.who, call.params, **values))

        # A pydantic generic parametrised at run time: mypy sees a variable where it wants a type.
        model = Listing[resource.model]  # type: ignore[name-defined]
        self._add(resource.collection, "GET", name, doc, handle, listed=True, response_model=model)

    def _get(
        self, resource: Shown, name: str, doc: str, find: Callable[[AsyncSession, Call[W]], Awaitable[Any]]
    ) -> None:
        """``GET`` an item: the row ``find`` gives, represented."""

        async def handle(call: Call[W]) -> Response:
            async with call.runtime.database.session() as session:
                return single(await resource.represent(session, await find(session, call)))

        model = Single[resource.model]  # type: ignore[name-defined]
        self._add(resource.item_path, "GET", name, doc, handle, item=resource.item, response_model=model)

    def _add(
        self,
        path: str,
        method: str,
        name: str,
        doc: str,
        handle: Callable[[Call[W]], Awaitable[Response]],
        *,
        item: str | None = None,
        listed: bool = False,
        **options: Any,
    ) -> None:
        declare(self.router, (path, method, name, doc), handle, self.who, item=item, listed=listed, **options)


class ResourceRoutes(Routes[EnvironmentScope]):
    """Declares an environment's resource routes; ``submit`` records their tasks."""

    who = ("scope", ScopeDep)

    def __init__(self, router: APIRouter, submit: Submit) -> None:
        super().__init__(router)
        self.submit = submit

    def get(self, resource: Resource[R], name: str, doc: str) -> None:
        """``GET`` an item."""
        self._get(resource, name, doc, lambda session, call: resource.find(session, call.who, call.item_id))

    def create(
        self,
        resource: Resource[Any],
        name: str,
        doc: str,
        *,
        kind: str,
        body: type[B],
        check: Callable[[AsyncSession, EnvironmentScope, B], Awaitable[TaskPayload]],
    ) -> None:
        """``POST`` the collection: read ``body``, ``check`` it, start a task that creates the item."""

        async def handle(call: Call[EnvironmentScope]) -> JSONResponse:
            request_body = await read_model(call.request, body)
            async with call.runtime.database.session() as session:
                payload = await check(session, call.who, request_body)
            return await self._task(call, kind, resource.entity_type, None, payload)

        self._add(resource.collection, "POST", name, doc, handle, response_model=TaskAccepted)

    def operations(
        self,
        resource: Resource[R],
        name: str,
        doc: str,
        table: Operations[Any],
        methods: Sequence[str] = ("PUT", "POST"),
    ) -> None:
        """``POST``/``PUT`` an item: the ``?operation=`` ``table`` names (without one, its default)."""

        async def handle(call: Call[EnvironmentScope]) -> JSONResponse:
            operation = table.find(call.request.query_params.get("operation"))
            body = operation_body(operation, await read_object(call.request))
            async with call.runtime.database.session() as session:
                row = await resource.find(session, call.who, call.item_id)
                payload = await operation.check(session, call.who, row, body)
            # An operation that creates an entity (a snapshot) acts on a new id, not on the item.
            if operation.creates:
                return await self._task(call, operation.kind, operation.creates, None, payload)
            return await self._task(call, operation.kind, resource.entity_type, row.id, payload)

        for method in methods:
            self._add(
                resource.item_path, method, name, doc, handle, item=resource.item, response_model=TaskAccepted
            )

    def delete(
        self,
        resource: Resource[R],
        name: str,
        doc: str,
        *,
        kind: str,
        check: Callable[[AsyncSession, R], Awaitable[TaskPayload | None]] | None = None,
    ) -> None:
        """``DELETE`` an item: ``check`` it, then start a task. Its payload is what ``check`` returns,
        or without one ``Deleted``: the item's representation, the task's result should it be gone."""

        async def handle(call: Call[EnvironmentScope]) -> JSONResponse:
            async with call.runtime.database.session() as session:
                row = await resource.find(session, call.who, call.item_id)
                payload = await check(session, row) if check is not None else None
                if payload is None:
                    payload = Deleted(last=await resource.represent(session, row))
            return await self._task(call, kind, resource.entity_type, row.id, payload)

        self._add(
            resource.item_path, "DELETE", name, doc, handle, item=resource.item, response_model=TaskAccepted
        )

    async def _task(
        self,
        call: Call[EnvironmentScope],
        kind: str,
        entity_type: str,
        entity_id: str | None,
        payload: TaskPayload,
    ) -> JSONResponse:
        task_id = await self.submit(
            call.runtime, call.who, kind=kind, entity_type=entity_type, entity_id=entity_id, payload=payload
        )
        return task_accepted(task_id)


_KEYWORD = inspect.Parameter.KEYWORD_ONLY


def declare(
    router: APIRouter,
    route: tuple[str, str, str, str],
    handle: Callable[[Call[W]], Awaitable[Response]],
    who: tuple[str, Any],
    *,
    item: str | None,
    listed: bool,
    **options: Any,
) -> None:
    """Adds the route ``(path, method, name, doc)`` as a hand-written function would be: its
    signature is the item's path parameter, the request, the runtime, ``who`` (a dependency's name
    and annotation) and, on a list, the list parameters. FastAPI resolves and documents them, takes
    the operation id from the name and the description from the doc; ``handle`` gets them as a ``Call``."""
    path, method, name, doc = route
    parameters = [inspect.Parameter(item, _KEYWORD, annotation=str)] if item else []
    parameters += [
        inspect.Parameter("request", _KEYWORD, annotation=Request),
        inspect.Parameter("runtime", _KEYWORD, annotation=RuntimeDep),
        inspect.Parameter(who[0], _KEYWORD, annotation=who[1]),
    ]
    if listed:
        parameters.append(inspect.Parameter("params", _KEYWORD, annotation=ListParamsDep))

    async def endpoint(**values: Any) -> Response:
        item_id = values[item] if item else ""
        return await handle(
            Call(item_id, values["request"], values["runtime"], values[who[0]], values.get("params"))
        )

    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=Response)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    router.add_api_route(path, endpoint, methods=[method], name=name, **options)
