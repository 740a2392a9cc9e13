"""One measured run: a scenario, on one side, at one connection count."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Measurement:
    """What the report needs of one wrk run; ``throughput`` is req/s, or SUCCESS/s for create-to-SUCCESS."""

    side: str
    scenario: str
    connections: int
    throughput: float
    requests_per_second: float
    # None when no response completed during the measured time.
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    requests: int
    duration_s: float
    bytes_per_response: float
    errors: dict[str, int]
    failures: int
    rss_peak_mb: float
    rss_lifetime_peak_mb: float
    slice_throughputs: list[float] = field(default_factory=list)
    drain_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Measurement:
        return cls(**raw)
