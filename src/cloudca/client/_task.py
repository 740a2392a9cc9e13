"""Handles on asynchronous tasks: every compute mutation answers with one (contract 2.2, 2.3).

``wait()`` uses the server's ``GET /v1/tasks/{id}?wait=N`` long-poll, so a task that ends is noticed
at once without hammering the server. Against a server that ignores ``wait`` the loop paces itself
with a growing pause. Either way the loop is bounded by ``timeout``.
"""

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cloudca.client._base import (
    DEFAULT_TASK_TIMEOUT,
    MAX_SERVER_WAIT,
    TaskSnapshot,
    snapshot_from_envelope,
    task_errors,
)
from cloudca.client._exceptions import TaskFailedError, TaskTimeoutError
from cloudca.client._models import ErrorDetail, TaskStatus

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient
    from cloudca.client._client import Client

T = TypeVar("T")

_FIRST_PAUSE = 0.05
_MAX_PAUSE = 1.0


class _TaskBase(Generic[T]):
    """State shared by :class:`Task` and :class:`AsyncTask`."""

    def __init__(self, snapshot: TaskSnapshot, parse: Callable[[Any], T]) -> None:
        self._snapshot = snapshot
        self._parse = parse

    @property
    def id(self) -> str:
        """The task id."""
        return self._snapshot.id

    @property
    def status(self) -> TaskStatus:
        """``PENDING``, ``SUCCESS`` or ``FAILED`` as last seen."""
        return self._snapshot.status

    @property
    def created(self) -> str | None:
        """When the server created the task (ISO 8601), once it has been fetched."""
        return self._snapshot.created

    @property
    def done(self) -> bool:
        """Whether the task has ended."""
        return self._snapshot.status is not TaskStatus.PENDING

    @property
    def raw_result(self) -> Any:
        """The task's ``result`` JSON as the server sent it (``None`` while pending)."""
        return self._snapshot.result

    @property
    def errors(self) -> list[ErrorDetail]:
        """The error objects of a failed task; empty otherwise."""
        if self._snapshot.status is not TaskStatus.FAILED:
            return []
        return [ErrorDetail.model_validate(error) for error in task_errors(self._snapshot)]

    def result(self) -> T:
        """The typed result of a finished task; raises :class:`TaskFailedError` if it failed."""
        if self._snapshot.status is TaskStatus.FAILED:
            raise TaskFailedError(self.id, task_errors(self._snapshot))
        if self._snapshot.status is TaskStatus.PENDING:
            raise TaskTimeoutError(f"Task {self.id} is still pending", task_id=self.id)
        return self._parse(self._snapshot.result)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.status.value}>"

    @staticmethod
    def _plan(deadline: float) -> float:
        """Seconds the next poll may ask the server to hold; raises when time is up."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        return min(MAX_SERVER_WAIT, math.floor(remaining))

    def _timeout_error(self, timeout: float) -> TaskTimeoutError:
        return TaskTimeoutError(
            f"Task {self.id} still {self.status.value} after {timeout:g}s", task_id=self.id
        )


class Task(_TaskBase[T]):
    """A task started through :class:`~cloudca.Client`."""

    def __init__(self, client: Client, snapshot: TaskSnapshot, parse: Callable[[Any], T]) -> None:
        super().__init__(snapshot, parse)
        self._client = client

    def refresh(self, *, hold: float = 0) -> Task[T]:
        """Fetch the current status (asking the server to hold up to ``hold`` seconds)."""
        payload = self._client._execute(self._client._task_call(self.id, hold))
        self._snapshot = snapshot_from_envelope(payload)
        return self

    def wait(self, timeout: float = DEFAULT_TASK_TIMEOUT) -> T:
        """Block until the task ends and return its typed result.

        Raises :class:`TaskFailedError` if it failed and :class:`TaskTimeoutError` if it is still
        pending after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        pause = _FIRST_PAUSE
        while not self.done:
            try:
                hold = self._plan(deadline)
            except TimeoutError:
                raise self._timeout_error(timeout) from None
            started = time.monotonic()
            self.refresh(hold=hold)
            if not self.done and (hold == 0 or time.monotonic() - started < hold / 2):
                # The server did not hold the request: pace the polling ourselves.
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                pause = min(pause * 2, _MAX_PAUSE)
        return self.result()


class AsyncTask(_TaskBase[T]):
    """A task started through :class:`~cloudca.AsyncClient`."""

    def __init__(self, client: AsyncClient, snapshot: TaskSnapshot, parse: Callable[[Any], T]) -> None:
        super().__init__(snapshot, parse)
        self._client = client

    async def refresh(self, *, hold: float = 0) -> AsyncTask[T]:
        """Fetch the current status (asking the server to hold up to ``hold`` seconds)."""
        payload = await self._client._execute(self._client._task_call(self.id, hold))
        self._snapshot = snapshot_from_envelope(payload)
        return self

    async def wait(self, timeout: float = DEFAULT_TASK_TIMEOUT) -> T:
        """Wait until the task ends and return its typed result (see :meth:`Task.wait`)."""
        deadline = time.monotonic() + timeout
        pause = _FIRST_PAUSE
        while not self.done:
            try:
                hold = self._plan(deadline)
            except TimeoutError:
                raise self._timeout_error(timeout) from None
            started = time.monotonic()
            await self.refresh(hold=hold)
            if not self.done and (hold == 0 or time.monotonic() - started < hold / 2):
                await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                pause = min(pause * 2, _MAX_PAUSE)
        return self.result()
