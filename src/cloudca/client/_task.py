"""A handle on a task started through :class:`~cloudca.Client`."""

# Generated from _async_task.py by scripts/generate_sync_sdk.py: edit the source, then run it.

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cloudca.client._base import DEFAULT_TASK_TIMEOUT, TaskSnapshot, snapshot_from_envelope
from cloudca.client._task_base import FIRST_PAUSE, MAX_PAUSE, TaskBase

if TYPE_CHECKING:
    from cloudca.client._client import Client

__all__ = ["Task"]

T = TypeVar("T")


class Task(TaskBase[T]):
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
        """Wait until the task ends and return its typed result.

        Raises :class:`TaskFailedError` if it failed and :class:`TaskTimeoutError` if it is still
        pending after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        pause = FIRST_PAUSE
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
                pause = min(pause * 2, MAX_PAUSE)
        return self.result()
