"""A process's long-running loops (the drift monitor, the reconciler, libvirt's event stream):
started once, stopped by cancelling them. Below every layer: drivers use it too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any


class Background:
    """One background loop of the process, by name (the name shows in asyncio's task dumps)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self, loop: Coroutine[Any, Any, None]) -> None:
        """Run ``loop`` on the running event loop until ``stop``; it must not be running already."""
        assert self._task is None, f"{self._name} is running already"
        self._task = asyncio.get_running_loop().create_task(loop, name=self._name)

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end; its cancellation is swallowed, not its failures."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
