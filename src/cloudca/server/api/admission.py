"""Bounded concurrency at the edge: at most ``Settings.max_active_requests`` API requests are
worked on at once; the others wait for a turn in arrival order, and past
``Settings.max_waiting_requests`` waiting, a newcomer is refused at once with 503
``SERVICE_UNAVAILABLE`` and ``Retry-After`` (the SDK retries it where that is safe).

Why: one process serves every request on one event loop. Unbounded, 64 concurrent requests
interleave at every await (a create awaits a dozen times), so each step of each request queues
behind a step of all the others and a request with many steps finishes last: the tail grows with
the connection count while the work done does not. Admitted in arrival order, a request runs
with few others and leaves quickly; the wait moves to the door, where it is first come, first
served. A queue without bound would only turn an overload into timeouts after minutes; a clear
refusal lets the client back off.

What is not counted: the lean lane's reads (``api.fastlane``: answered in one pass with no await
between parts of other requests worth bounding; the edge asks for a turn only when the lane
declines), and long-polls (``GET /v1/tasks/{id}?wait=``), which wait for another request's work
and must never hold a turn that work needs.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import MutableMapping
from contextlib import suppress
from typing import Any

from cloudca.server.errors import ServiceUnavailable

#: What a refused request is told to wait before it tries again, in seconds.
RETRY_AFTER_SECONDS = 1


class Admission:
    """The turns of one process (created by the edge at its first request).

    Written rather than ``asyncio.Semaphore``: a turn that frees up is handed to the oldest waiter
    directly, so a newcomer can never take it first, and the number waiting is known exactly."""

    def __init__(self, limit: int, max_waiting: int) -> None:
        #: 0: unbounded (no request is counted).
        self.limit = limit
        self.max_waiting = max_waiting
        self.active = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for turn in self._waiting if not turn.done())

    def counts(self, scope: MutableMapping[str, Any]) -> bool:
        """Whether this request must hold a turn while it is worked on."""
        if self.limit <= 0:
            return False
        return not (scope["method"] == "GET" and b"wait=" in scope["query_string"])

    async def enter(self) -> None:
        """Wait for a turn (oldest first); ``ServiceUnavailable`` when the queue is full."""
        if self.active < self.limit and not self._waiting:
            self.active += 1
            return
        if self.waiting >= self.max_waiting:
            raise ServiceUnavailable(
                "The server is at its limit of requests waiting; retry later",
                retry_after=RETRY_AFTER_SECONDS,
            )
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.leave()  # handed a turn while being cancelled: pass it on
            else:
                with suppress(ValueError):
                    self._waiting.remove(turn)
            raise

    def leave(self) -> None:
        """Give the turn back: to the oldest waiter if any (``active`` is unchanged), else free it."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.active -= 1
