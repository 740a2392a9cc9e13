"""How long each simulated operation takes: ``instant`` for tests, ``realistic`` for demos and benches."""

from __future__ import annotations

import asyncio
import enum
import random
from collections.abc import Awaitable, Callable

#: Waits for a number of seconds; ``asyncio.sleep`` unless a test injects a recorder or a fake clock.
Sleep = Callable[[float], Awaitable[None]]


class LatencyProfile(enum.Enum):
    """``instant`` never waits (beyond yielding once to the event loop); ``realistic`` waits like KVM."""

    INSTANT = "instant"
    REALISTIC = "realistic"

    @classmethod
    def parse(cls, value: str) -> LatencyProfile:
        """The profile named ``value``; a clear ``ValueError`` listing the known ones otherwise."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            known = ", ".join(profile.value for profile in cls)
            raise ValueError(f"unknown simulator latency {value!r}; known profiles: {known}") from None


#: Seconds (low, high) per operation under ``realistic``; operations not listed only yield.
REALISTIC_SECONDS: dict[str, tuple[float, float]] = {
    "create": (1.0, 2.0),
    "start": (2.0, 4.0),
    "stop": (1.0, 2.0),
    "reboot": (3.0, 5.0),
    "destroy": (0.5, 1.5),
    "resize": (0.2, 0.5),
    "set_password": (0.1, 0.3),
    "set_ssh_key": (0.1, 0.3),
    "set_nics": (0.3, 0.8),
    "set_disks": (0.3, 0.8),
    "set_port_forwarding": (0.05, 0.2),
}


class Latency:
    """Applies a profile: draws each delay from a seeded random so runs are reproducible."""

    def __init__(self, profile: LatencyProfile, rng: random.Random, sleep: Sleep | None = None) -> None:
        self.profile = profile
        self._rng = rng
        self._sleep: Sleep = sleep if sleep is not None else asyncio.sleep

    async def wait(self, operation: str) -> None:
        """Spend the time ``operation`` takes. Always yields to the event loop at least once."""
        bounds = REALISTIC_SECONDS.get(operation)
        if self.profile is LatencyProfile.INSTANT or bounds is None:
            # A cooperative yield keeps concurrency bugs visible even without latency.
            await asyncio.sleep(0)
            return
        await self._sleep(self._rng.uniform(*bounds))
