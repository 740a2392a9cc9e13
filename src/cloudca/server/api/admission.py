"""Bounded concurrency at the edge: at most ``Settings.max_active_requests`` API requests are
worked on at once; the others wait for a turn in arrival order.

Why: one process serves every request on one event loop. Unbounded, 64 concurrent requests
interleave at every await (a create awaits a dozen times), so each step of each request queues
behind a step of all the others and a request with many steps finishes last: the tail grows with
the connection count while the work done does not. Admitted in arrival order, a request runs
with few others and leaves quickly; the wait moves to the door, where it is first come, first
served (``asyncio.Semaphore`` wakes its waiters in order).

Long-polls (``GET /v1/tasks/{id}?wait=``) are not counted: they wait for another request's work,
and must never hold a turn that work needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any


class Admission:
    """The turns of one process (created by the edge at its first request)."""

    def __init__(self, limit: int) -> None:
        #: None: unbounded (``limit`` 0).
        self.turns = asyncio.Semaphore(limit) if limit > 0 else None

    def gate(self, scope: MutableMapping[str, Any]) -> asyncio.Semaphore | None:
        """The semaphore this request must hold while it is worked on, or None."""
        if scope["method"] == "GET" and b"wait=" in scope["query_string"]:
            return None
        return self.turns
