"""Issue 6's targets, checked against a run's measurements."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.measurement import Measurement

# The reference has no large database: its list answer is the same bytes whatever cloudca holds.
REFERENCE_SCENARIO = {"list_100_of_100k": "list_100"}
RSS_LIMIT_MB = 300.0


@dataclass(frozen=True)
class Target:
    """One line of the issue: what is measured, the bound, and whether the run met it."""

    text: str
    measured: str
    met: bool | None  # None: not measured in this run


class Lookup:
    """Find a measurement by side, scenario and connection count."""

    def __init__(self, measurements: list[Measurement]) -> None:
        self._by_key = {(m.side, m.scenario, m.connections): m for m in measurements}

    def get(self, side: str, scenario: str, connections: int) -> Measurement | None:
        if side == "reference":
            scenario = REFERENCE_SCENARIO.get(scenario, scenario)
        return self._by_key.get((side, scenario, connections))

    def ratio(self, scenario: str, connections: int) -> float | None:
        """cloudca's throughput over the reference's."""
        ours, theirs = (
            self.get("cloudca", scenario, connections),
            self.get("reference", scenario, connections),
        )
        if ours is None or theirs is None or not theirs.throughput:
            return None
        return ours.throughput / theirs.throughput

    def p99_ratio(self, scenario: str, connections: int) -> float | None:
        """cloudca's p99 over the reference's; infinite when cloudca completed no response at all."""
        ours, theirs = (
            self.get("cloudca", scenario, connections),
            self.get("reference", scenario, connections),
        )
        if ours is None or theirs is None or not theirs.p99_ms:
            return None
        if ours.p99_ms is None:
            return math.inf
        return ours.p99_ms / theirs.p99_ms


def _at_least(text: str, value: float | None, bound: float, unit: str = "") -> Target:
    if value is None:
        return Target(text, "not measured", None)
    shown = f"{value:.0f}{unit}" if unit else f"{value:.1%}"
    return Target(text, shown, value >= bound)


def evaluate(
    measurements: list[Measurement], scenarios: list[str], base: int = 16, high: int = 64
) -> list[Target]:
    """Every target of issue 6 that this run's measurements can answer."""
    lookup = Lookup(measurements)
    targets = [
        _at_least(
            "GET one instance ≥ 30% of the reference's req/s", lookup.ratio("get_instance", base), 0.30
        ),
        _at_least("GET a task ≥ 30%", lookup.ratio("get_task", base), 0.30),
        _at_least("GET a list of 100 ≥ 10%", lookup.ratio("list_100", base), 0.10),
        _at_least("POST create ≥ 10%", lookup.ratio("post_create", base), 0.10),
    ]
    sustained = lookup.get("cloudca", "create_to_success", base)
    targets.append(
        _at_least(
            "sustained create-to-SUCCESS ≥ 500/s", sustained.throughput if sustained else None, 500, "/s"
        )
    )
    for scenario in scenarios:
        ratio = lookup.p99_ratio(scenario, high)
        if ratio is None:
            measured = "not measured"
        elif math.isinf(ratio):
            measured = "no response completed"
        else:
            measured = f"{ratio:.1f}x"
        met = None if ratio is None else ratio <= 5.0
        targets.append(Target(f"p99 at {high} connections ≤ 5x the reference's: {scenario}", measured, met))
    small, large = lookup.get("cloudca", "list_100", base), lookup.get("cloudca", "list_100_of_100k", base)
    if small and large and small.p50_ms and large.p50_ms:
        ratio = large.p50_ms / small.p50_ms
        targets.append(
            Target(
                "with 100,000 instances a list page's p50 ≤ 1.5x its p50 with 100",
                f"{ratio:.2f}x ({large.p50_ms:.2f} vs {small.p50_ms:.2f} ms)",
                ratio <= 1.5,
            )
        )
    else:
        targets.append(
            Target("with 100,000 instances a list page's p50 ≤ 1.5x its p50 with 100", "not measured", None)
        )
    rss = max(
        (
            m.rss_lifetime_peak_mb
            for m in measurements
            if m.side == "cloudca" and m.scenario == "list_100_of_100k"
        ),
        default=None,
    )
    targets.append(
        Target(
            f"with 100,000 instances RSS < {RSS_LIMIT_MB:.0f} MB",
            "not measured" if rss is None else f"{rss:.0f} MB",
            None if rss is None else rss < RSS_LIMIT_MB,
        )
    )
    return targets
