"""A handle on an asynchronous task, for :class:`~cloudca.AsyncClient` (contract 2.2, 2.3)."""

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cloudca.client._base import DEFAULT_TASK_TIMEOUT, TaskSnapshot, snapshot_from_envelope
from cloudca.client._task_base import FIRST_PAUSE, MAX_PAUSE, TaskBase

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient

__all__ = ["AsyncTask"]

T = TypeVar("T")


class AsyncTask(TaskBase[T]):
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
            await self.refresh(hold=hold)
            if not self.done and (hold == 0 or time.monotonic() - started < hold / 2):
                # The server did not hold the request: pace the polling ourselves.
                await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                pause = min(pause * 2, MAX_PAUSE)
        return self.result()
