"""Generic resources: list, get, resolve a name, submit a mutation — sync and async.

Each concrete resource (a :class:`Collection`) adds its own creates, updates and operations; shared code
(:class:`Requests`) builds each request and only its execution differs between sync and async.
"""

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
    overload,
)

from cloudca.client._base import DEFAULT_TASK_TIMEOUT, Call, list_parser, model_parser, optional_parser
from cloudca.client._models import Model
from cloudca.client._resources._wire import pick_reference, wire_query

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient
    from cloudca.client._async_task import AsyncTask
    from cloudca.client._client import Client
    from cloudca.client._task import Task

M = TypeVar("M", bound=Model)
T = TypeVar("T")
P = ParamSpec("P")


class Requests(Generic[M]):
    """Builds the calls of one entity type under ``services/{service}/{environment}/``."""

    def __init__(self, prefix: str, entity_type: str, model: type[M]) -> None:
        self.prefix = prefix
        self.entity_type = entity_type
        self.model = model

    def path(self, entity_id: str | None = None) -> str:
        """Collection or item path, relative to the API base."""
        base = f"{self.prefix}/{self.entity_type}"
        return f"{base}/{entity_id}" if entity_id is not None else base

    def list(self, params: Mapping[str, Any]) -> Call[list[M]]:
        """``GET`` the collection with filters, paging and sorting."""
        return Call("GET", self.path(), list_parser(self.model), params=wire_query(params))

    def get(self, entity_id: str) -> Call[M]:
        """``GET`` one entity."""
        return Call("GET", self.path(entity_id), model_parser(self.model))

    def create(self, body: Mapping[str, Any]) -> Call[M]:
        """``POST`` the collection; the task result is the new entity."""
        return Call("POST", self.path(), model_parser(self.model), expect="task", body=body)

    def update(self, entity_id: str, body: Mapping[str, Any]) -> Call[M]:
        """``PUT`` the item; the task result is the updated entity."""
        return Call("PUT", self.path(entity_id), model_parser(self.model), expect="task", body=body)

    def delete(self, entity_id: str, body: Mapping[str, Any] | None = None) -> Call[M | None]:
        """``DELETE`` the item; the task result is the last representation, if any."""
        return Call("DELETE", self.path(entity_id), optional_parser(self.model), expect="task", body=body)

    def operation(self, entity_id: str, operation: str, body: Mapping[str, Any] | None = None) -> Call[M]:
        """``POST`` the item with ``?operation=``; the task result is the entity afterwards."""
        return self.operation_parsed(entity_id, operation, body, model_parser(self.model))

    def operation_optional(
        self, entity_id: str, operation: str, body: Mapping[str, Any] | None = None
    ) -> Call[M | None]:
        """Like :meth:`operation`, for operations that remove the entity (result may be empty)."""
        return self.operation_parsed(entity_id, operation, body, optional_parser(self.model))

    def operation_parsed(
        self, entity_id: str, operation: str, body: Mapping[str, Any] | None, parse: Callable[[Any], T]
    ) -> Call[T]:
        """Like :meth:`operation`, with the task result read by ``parse`` (a volume's snapshot is a
        :class:`~cloudca.Snapshot`)."""
        params = {"operation": operation}
        return Call("POST", self.path(entity_id), parse, expect="task", params=params, body=body or {})


class Reads(Protocol[M]):
    """The requests every collection answers: :class:`Requests` here, the administration
    collections' ``AdminRequests``."""

    @property
    def entity_type(self) -> str: ...
    def list(self, params: Mapping[str, Any]) -> Call[list[M]]: ...
    def get(self, entity_id: str) -> Call[M]: ...


class ReadOnly(Generic[M]):
    """A collection that is listed, read and resolved by name, through :class:`~cloudca.Client`
    (service connections; the base of every resource)."""

    #: The field a reference is matched against when it is not an id (users: ``user_name``).
    _name_field: ClassVar[str] = "name"

    def __init__(self, client: Client, reads: Reads[M]) -> None:
        self._client = client
        self._reads = reads

    def list(self, **params: str | int | bool | None) -> list[M]:
        """List entities. Keyword arguments become query parameters (filters such as ``vpc_id``,
        or ``page_number``, ``page_size``, ``sort_by``, ``sort_order``)."""
        return self._client._fetch(self._reads.list(params))

    def get(self, entity_id: str) -> M:
        """Retrieve one entity by id; :class:`~cloudca.NotFoundError` if there is none."""
        return self._client._fetch(self._reads.get(entity_id))

    def resolve(self, reference: str) -> str:
        """The id of the entity whose id or unique name is ``reference``."""
        return pick_reference(self._reads.entity_type, reference, self.list(), self._name_field)


class Resource(ReadOnly[M]):
    """A resource of an environment, used through :class:`~cloudca.Client`."""

    def __init__(self, client: Client, requests: Requests[M]) -> None:
        super().__init__(client, requests)
        self._requests = requests

    @overload
    def _submit(self, call: Call[T], wait: Literal[False], timeout: float) -> Task[T]: ...
    @overload
    def _submit(self, call: Call[T], wait: Literal[True], timeout: float) -> T: ...
    @overload
    def _submit(self, call: Call[T], wait: bool, timeout: float) -> Task[T] | T: ...
    def _submit(self, call: Call[T], wait: bool, timeout: float) -> Task[T] | T:
        task = self._client._start(call)
        return task.wait(timeout) if wait else task


class AsyncReadOnly(Generic[M]):
    """The async twin of :class:`ReadOnly`, through :class:`~cloudca.AsyncClient`."""

    #: The field a reference is matched against when it is not an id (users: ``user_name``).
    _name_field: ClassVar[str] = "name"

    def __init__(self, client: AsyncClient, reads: Reads[M]) -> None:
        self._client = client
        self._reads = reads

    async def list(self, **params: str | int | bool | None) -> list[M]:
        """List entities (see :meth:`ReadOnly.list`)."""
        return await self._client._fetch(self._reads.list(params))

    async def get(self, entity_id: str) -> M:
        """Retrieve one entity by id."""
        return await self._client._fetch(self._reads.get(entity_id))

    async def resolve(self, reference: str) -> str:
        """The id of the entity whose id or unique name is ``reference``."""
        return pick_reference(self._reads.entity_type, reference, await self.list(), self._name_field)


class AsyncResource(AsyncReadOnly[M]):
    """A resource of an environment, used through :class:`~cloudca.AsyncClient`."""

    def __init__(self, client: AsyncClient, requests: Requests[M]) -> None:
        super().__init__(client, requests)
        self._requests = requests

    @overload
    async def _submit(self, call: Call[T], wait: Literal[False], timeout: float) -> AsyncTask[T]: ...
    @overload
    async def _submit(self, call: Call[T], wait: Literal[True], timeout: float) -> T: ...
    @overload
    async def _submit(self, call: Call[T], wait: bool, timeout: float) -> AsyncTask[T] | T: ...
    async def _submit(self, call: Call[T], wait: bool, timeout: float) -> AsyncTask[T] | T:
        task = await self._client._start(call)
        return await task.wait(timeout) if wait else task


class Collection(Resource[M]):
    """A resource of an environment naming its collection (``_entity_type``, the path segment) and
    representation (``_model``) as class attributes, so that none writes its own ``__init__``."""

    _entity_type: ClassVar[str]
    _model: ClassVar[type[Any]]

    def __init__(self, client: Client, prefix: str) -> None:
        super().__init__(client, Requests(prefix, self._entity_type, self._model))


class AsyncCollection(AsyncResource[M]):
    """The async twin of :class:`Collection`."""

    _entity_type: ClassVar[str]
    _model: ClassVar[type[Any]]

    def __init__(self, client: AsyncClient, prefix: str) -> None:
        super().__init__(client, Requests(prefix, self._entity_type, self._model))


# Task methods whose only argument is the entity's id (``start``, ``delete``, ``release``, ...) are
# written once as a function that builds the call, decorated with :func:`id_task` (sync) or
# :func:`async_id_task`: the decorator adds ``wait`` and ``timeout`` and the three typed overloads
# that tell ``wait=True`` (the result) from ``wait=False`` (the task), instead of every such method
# repeating them. Methods with more arguments keep their own overloads: typing cannot add
# keyword-only parameters to an arbitrary signature (a ParamSpec) without losing its checks.

BuildCall = Callable[[Any, str], Call[T]]


class BoundIdTask(Protocol[T]):
    """What ``resource.start`` is, for the type checker: the id, then ``wait`` and ``timeout``."""

    @overload
    def __call__(
        self, entity_id: str, /, *, wait: Literal[False] = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Task[T]: ...
    @overload
    def __call__(
        self, entity_id: str, /, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> T: ...
    @overload
    def __call__(
        self, entity_id: str, /, *, wait: bool, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Task[T] | T: ...


class BoundAsyncIdTask(Protocol[T]):
    """The async twin of :class:`BoundIdTask` (the call is awaited)."""

    @overload
    def __call__(
        self, entity_id: str, /, *, wait: Literal[False] = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Coroutine[Any, Any, AsyncTask[T]]: ...
    @overload
    def __call__(
        self, entity_id: str, /, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Coroutine[Any, Any, T]: ...
    @overload
    def __call__(
        self, entity_id: str, /, *, wait: bool, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Coroutine[Any, Any, AsyncTask[T] | T]: ...


def _task_signature(build: Callable[..., Any]) -> inspect.Signature:
    """The builder's parameters plus ``wait`` and ``timeout``, for ``help()`` and introspection."""
    signature = inspect.signature(build)
    extra = [
        inspect.Parameter("wait", inspect.Parameter.KEYWORD_ONLY, default=False, annotation="bool"),
        inspect.Parameter(
            "timeout", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_TASK_TIMEOUT, annotation="float"
        ),
    ]
    return signature.replace(
        parameters=[*signature.parameters.values(), *extra], return_annotation=inspect.Signature.empty
    )


class IdTaskMethod(Protocol[T]):
    """What :func:`id_task` makes, for the type checker: a method whose bound form is a :class:`BoundIdTask`
    (at run time it is a plain function, so introspection and ``help()`` see an ordinary method)."""

    def __get__(self, resource: object, owner: type | None = None) -> BoundIdTask[T]: ...


class AsyncIdTaskMethod(Protocol[T]):
    """The async twin of :class:`IdTaskMethod`."""

    def __get__(self, resource: object, owner: type | None = None) -> BoundAsyncIdTask[T]: ...


def id_task(build: BuildCall[T]) -> IdTaskMethod[T]:
    """Decorates ``def start(self, instance_id: str) -> Call[Instance]`` into a task method of a
    :class:`Resource`: ``resource.start(id, wait=True, timeout=60)``."""

    def method(
        resource: Resource[Any],
        *args: Any,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
        **kwargs: Any,
    ) -> Any:
        return resource._submit(build(resource, *args, **kwargs), wait, timeout)

    functools.update_wrapper(method, build)
    method.__signature__ = _task_signature(build)  # type: ignore[attr-defined]
    return cast("IdTaskMethod[T]", method)


def async_id_task(build: BuildCall[T]) -> AsyncIdTaskMethod[T]:
    """The async twin of :func:`id_task`, for an :class:`AsyncResource`."""

    async def method(
        resource: AsyncResource[Any],
        *args: Any,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
        **kwargs: Any,
    ) -> Any:
        return await resource._submit(build(resource, *args, **kwargs), wait, timeout)

    functools.update_wrapper(method, build)
    method.__signature__ = _task_signature(build)  # type: ignore[attr-defined]
    return cast("AsyncIdTaskMethod[T]", method)


def task(build: Callable[P, Call[T]]) -> Callable[P, Call[T]]:
    """Marks a call builder in a spec module (``spec_*.py``): ``scripts/generate_sync_sdk.py`` writes,
    in the async module generated from it, the task method that submits the call, with ``wait``,
    ``timeout`` and the overloads that tell the task from its result (typing cannot add those
    keyword-only parameters to an arbitrary signature, so a decorator could not)."""
    return build


__all__ = [
    "DEFAULT_TASK_TIMEOUT",
    "AsyncIdTaskMethod",
    "AsyncReadOnly",
    "AsyncResource",
    "BoundAsyncIdTask",
    "BoundIdTask",
    "IdTaskMethod",
    "ReadOnly",
    "Reads",
    "Requests",
    "Resource",
    "async_id_task",
    "id_task",
    "task",
]
