"""Fault injection: make chosen operations fail, from configuration or from a test."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from cloudca.server.drivers.base import DriverError

Operation = Literal[
    "adopt",
    "create",
    "start",
    "stop",
    "reboot",
    "destroy",
    "resize",
    "set_password",
    "set_ssh_key",
    "set_nics",
    "set_disks",
    "set_port_forwarding",
    "set_static_nat",
    "set_network_acl",
    "set_load_balancing",
]

#: The operations a fault can be injected into (queries such as ``power_state`` never fail).
OPERATIONS: frozenset[str] = frozenset(get_args(Operation))


def _check_operation(operation: str) -> None:
    if operation not in OPERATIONS:
        known = ", ".join(sorted(OPERATIONS))
        raise ValueError(f"unknown simulator operation {operation!r}; known operations: {known}")


@dataclass(frozen=True)
class FaultPlan:
    """Which operations fail: the next ``counts[op]`` calls, then each call with ``probabilities[op]``."""

    counts: Mapping[str, int] = field(default_factory=dict)
    probabilities: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for operation, count in self.counts.items():
            _check_operation(operation)
            if count < 0:
                raise ValueError(f"fault count for {operation!r} must be >= 0, not {count}")
        for operation, probability in self.probabilities.items():
            _check_operation(operation)
            if not 0.0 <= probability <= 1.0:
                raise ValueError(f"fault probability for {operation!r} must be in [0, 1], not {probability}")

    @classmethod
    def parse(cls, text: str) -> FaultPlan:
        """Read ``"create=1,start=0.25"``: an integer fails that many calls, a decimal is a probability."""
        counts: dict[str, int] = {}
        probabilities: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            operation, separator, value = (piece.strip() for piece in item.partition("="))
            if not separator or not value:
                raise ValueError(f"fault {item!r} must read operation=count or operation=probability")
            try:
                if "." in value:
                    probabilities[operation] = float(value)
                else:
                    counts[operation] = int(value)
            except ValueError:
                raise ValueError(f"fault {item!r}: {value!r} is neither a count nor a probability") from None
        return cls(counts=counts, probabilities=probabilities)


class Faults:
    """The live state of a plan: remaining counts and queued errors, consumed call by call."""

    def __init__(self, plan: FaultPlan, rng: random.Random) -> None:
        self._rng = rng
        self._probabilities = dict(plan.probabilities)
        self._queued: dict[str, list[type[DriverError] | DriverError]] = {
            operation: [DriverError] * count for operation, count in plan.counts.items()
        }

    def inject(self, operation: str, count: int, error: type[DriverError] | DriverError) -> None:
        """Make the next ``count`` calls of ``operation`` raise ``error`` (after those already queued)."""
        _check_operation(operation)
        if count < 1:
            raise ValueError(f"count must be >= 1, not {count}")
        self._queued.setdefault(operation, []).extend([error] * count)

    def take(self, operation: str, subject: str) -> DriverError | None:
        """The error this call of ``operation`` must raise, or ``None``; consumes one queued fault."""
        queued = self._queued.get(operation)
        if queued:
            return _instantiate(queued.pop(0), operation, subject)
        probability = self._probabilities.get(operation, 0.0)
        if probability and self._rng.random() < probability:
            return DriverError(f"simulated fault in {operation} of {subject}")
        return None


def _instantiate(error: type[DriverError] | DriverError, operation: str, subject: str) -> DriverError:
    if isinstance(error, DriverError):
        return error
    return error(f"simulated fault in {operation} of {subject}")
