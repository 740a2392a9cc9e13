"""Handles on asynchronous tasks: every compute mutation answers with one (contract 2.2, 2.3).

``wait()`` uses the server's ``GET /v1/tasks/{id}?wait=N`` long-poll, so a task that ends is noticed
at once without hammering the server. Against a server that ignores ``wait`` the loop paces itself
with a growing pause. Either way the loop is bounded by ``timeout``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from cloudca.client._base import MAX_SERVER_WAIT, TaskSnapshot, task_errors
from cloudca.client._exceptions import TaskFailedError, TaskTimeoutError
from cloudca.client._models import ErrorDetail, TaskStatus

T = TypeVar("T")

#: The pause between polls of a server that does not hold them grows from the first to the most.
FIRST_PAUSE = 0.05
MAX_PAUSE = 1.0


class TaskBase(Generic[T]):
    """State shared by :class:`~cloudca.Task` and :class:`~cloudca.AsyncTask` (their waiting differs)."""

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


__all__ = ["FIRST_PAUSE", "MAX_PAUSE", "TaskBase"]
