"""Issue 14's targets (issue 6's, with the lifecycle and the peer), checked against a run's measurements."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.measurement import Measurement

# The reference has no large database: its list answer is the same bytes whatever cloudca holds.
REFERENCE_SCENARIO = {"list_100_of_100k": "list_100"}
RSS_LIMIT_MB = 300.0
#: The sides beside cloudca on SQLite and the reference: PostgreSQL with 1 and 2 processes, the peer.
OTHER_SIDES = ("cloudca-pg1", "cloudca-pg2", "moto")
PEER = "moto"
PEER_FACTOR = 20.0
LIFECYCLES_PER_SECOND = 100.0


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

    def peer_ratio(self, scenario: str, connections: int) -> float | None:
        """cloudca's throughput over the peer's (moto's EC2 server on the equivalent call)."""
        ours, theirs = self.get("cloudca", scenario, connections), self.get(PEER, scenario, connections)
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
    measurements: list[Measurement],
    scenarios: list[str],
    base: int = 16,
    high: int = 64,
    large_instances: int = 100_000,
) -> list[Target]:
    """Every target of issue 14 that this run's measurements can answer."""
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
    lifecycle = lookup.get("cloudca", "lifecycle", base)
    targets.append(
        _at_least(
            f"whole lifecycle (create, stop, start, destroy+purge) ≥ {LIFECYCLES_PER_SECOND:.0f}/s",
            lifecycle.throughput if lifecycle else None,
            LIFECYCLES_PER_SECOND,
            "/s",
        )
    )
    for scenario in scenarios:
        if scenario == "lifecycle":
            continue  # the reference has no lifecycle: there is no p99 to compare with
        ratio = lookup.p99_ratio(scenario, high)
        if ratio is None:
            measured = "not measured"
        elif math.isinf(ratio):
            measured = "no response completed"
        else:
            measured = f"{ratio:.1f}x"
        met = None if ratio is None else ratio <= 5.0
        targets.append(Target(f"p99 at {high} connections ≤ 5x the reference's: {scenario}", measured, met))
    for scenario in ("get_instance", "list_100", "post_create"):
        if scenario not in scenarios:
            continue
        text = f"≥ {PEER_FACTOR:.0f}x moto's req/s: {scenario}"
        ours, theirs = lookup.get("cloudca", scenario, base), lookup.get(PEER, scenario, base)
        factor = lookup.peer_ratio(scenario, base)
        if ours is not None and theirs is not None and not theirs.requests and ours.throughput:
            # moto finished no call in the measured time: its rate is below one per measured period.
            targets.append(Target(text, "moto completed no response in the measured time", True))
        else:
            measured = "not measured" if factor is None else f"{factor:.1f}x"
            targets.append(Target(text, measured, None if factor is None else factor >= PEER_FACTOR))
    flat_page = f"with {large_instances:,} instances a list page's p50 ≤ 1.5x its p50 with 100"
    small, large = lookup.get("cloudca", "list_100", base), lookup.get("cloudca", "list_100_of_100k", base)
    if small and large and small.p50_ms and large.p50_ms:
        ratio = large.p50_ms / small.p50_ms
        targets.append(
            Target(
                flat_page,
                f"{ratio:.2f}x ({large.p50_ms:.2f} vs {small.p50_ms:.2f} ms)",
                ratio <= 1.5,
            )
        )
    else:
        targets.append(Target(flat_page, "not measured", None))
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
            f"with {large_instances:,} instances RSS < {RSS_LIMIT_MB:.0f} MB",
            "not measured" if rss is None else f"{rss:.0f} MB",
            None if rss is None else rss < RSS_LIMIT_MB,
        )
    )
    return targets
