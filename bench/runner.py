"""The run: the reference, cloudca (on SQLite; on PostgreSQL with 1 and 2 processes), the peer (moto's
EC2 server) and cloudca with 100,000 instances, all started at once and measured in turn, scenario by
scenario, so that drift of the machine's speed hits every side of each ratio alike."""

from __future__ import annotations

import asyncio
import functools
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import report, seeding, sides, wrk
from bench.measurement import Measurement
from bench.processes import RssSampler, peak_rss_mb
from bench.scenarios import LIST_100_OF_100K, Scenario
from bench.sides import Side

API_KEY = "bench-0123456789abcdef0123456789abcdef"
#: The longest wait for the peer to finish the requests its clients left behind; past it, the peer is
#: started afresh (its backlog of DescribeInstances of 100 at 64 connections lasts minutes).
SETTLE_BOUND_S = 10.0
QUICK_SETTLE_BOUND_S = 3.0
REFERENCE, CLOUDCA, LARGE = "reference", "cloudca", "cloudca-large"
PG1, PG2, PEER = "cloudca-pg1", "cloudca-pg2", "moto"
#: Every side of a scenario's row, in the order they are measured (LARGE has a row of its own).
ROW_SIDES = (REFERENCE, CLOUDCA, PG1, PG2, PEER)


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told (``python -m bench --help``)."""

    duration_s: float
    warmup_s: float
    rounds: int
    connections: tuple[int, ...]
    scenarios: tuple[Scenario, ...]
    large_instances: int
    create_addresses: int
    server_cpu: int
    load_cpu: int
    stand_in: bool
    results_dir: Path
    keep_work_dir: bool
    #: A PostgreSQL server on which throw-away databases may be created; None: no PostgreSQL sides.
    postgres_url: str | None = None
    #: Start moto's EC2 server as the peer.
    peer: bool = True
    quick: bool = False


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages: above ~1 something else competed for the CPUs."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _drain(side: Side, task_id: str) -> float | None:
    if not task_id:
        return None
    return asyncio.run(seeding.drain(side.base_url, side.api_key, task_id))


def _wrk(side: Side, scenario: Scenario, connections: int, duration_s: float, load_cpu: int) -> wrk.WrkResult:
    return wrk.run(
        scenario.url(side),
        scenario.script_for(side),
        scenario.script_args(side),
        api_key=side.api_key,
        connections=connections,
        duration_s=duration_s,
        cpu=load_cpu,
        request_timeout_s=scenario.request_timeout_s,
    )


@dataclass(frozen=True)
class _Slice:
    result: wrk.WrkResult
    rss_peak_mb: float
    drain_s: float | None
    settle: _Settled | None = None


@dataclass(frozen=True)
class _Settled:
    seconds: float
    restarted: bool


def _settle(side: Side, settings: Settings) -> _Settled | None:
    """moto serves each request on a thread that goes on after wrk has left: wait for that backlog,
    or, when it outlasts the bound, start moto afresh (with its 100 instances) so that the next run
    does not share the CPU with it. None for the other sides."""
    if side.api != "ec2":
        return None
    started = time.monotonic()
    bound = QUICK_SETTLE_BOUND_S if settings.quick else SETTLE_BOUND_S
    restarted = side.server.settle(bound) >= bound
    if restarted:
        sides.restart_peer(side)
        log(f"{side.name} was still busy {bound:.0f} s after a run: started afresh")
    return _Settled(time.monotonic() - started, restarted)


def warm_up(side: Side, scenario: Scenario, connections: int, settings: Settings) -> None:
    """Load the server without counting; then wait for the tasks the load left behind."""
    side.server.check_alive()
    if settings.warmup_s > 0:
        result = _wrk(side, scenario, connections, settings.warmup_s, settings.load_cpu)
        if scenario.creates:
            _drain(side, result.last_task_id)
        _settle(side, settings)


def measure_slice(
    side: Side, scenario: Scenario, connections: int, seconds: float, settings: Settings
) -> _Slice:
    """One measured wrk run while sampling the server's resident memory.

    Creates leave tasks behind when the server answers faster than it runs them: the slice waits for
    the last one (``drain_s``) so that the next run starts on an idle server.
    """
    side.server.check_alive()
    with RssSampler(side.server.pid) as sampler:
        result = _wrk(side, scenario, connections, seconds, settings.load_cpu)
    drain_s = _drain(side, result.last_task_id) if scenario.creates else None
    return _Slice(result, sampler.peak_mb, drain_s, _settle(side, settings))


def _weighted(slices: list[_Slice], value: Callable[[wrk.WrkResult], float]) -> float | None:
    total = sum(s.result.requests for s in slices)
    if not total:
        return None  # no response completed: there is no latency to report
    return round(sum(value(s.result) * s.result.requests for s in slices) / total, 3)


def combine(side: Side, scenario: Scenario, connections: int, slices: list[_Slice]) -> Measurement:
    """One measurement from the slices: totals for counts, request-weighted means for percentiles."""
    results = [s.result for s in slices]
    duration = sum(r.duration_s for r in results)
    requests = sum(r.requests for r in results)
    counted = sum(r.successes for r in results) if scenario.counts_successes else requests
    errors = {key: sum(r.errors.get(key, 0) for r in results) for key in results[0].errors}
    failures = sum(r.failures for r in results)
    per_slice = [
        r.successes_per_second if scenario.counts_successes else r.requests_per_second for r in results
    ]
    notes = []
    if any(r.capped for r in results):
        notes.append("hit the request-count bound: throughput is a lower bound")
    if sum(errors.values()) or failures:
        notes.append(f"errors {errors}, failed tasks or creates {failures}")
    p99s = [r.p99_ms for r in results if r.requests]
    slice_ms = 1000 * duration / len(results)
    if p99s and max(p99s) > slice_ms / 4:
        notes.append(
            f"p99 ({max(p99s):.0f} ms) is a large part of a slice ({slice_ms:.0f} ms): requests still "
            "in flight when a slice ends are not counted, so latencies are a lower bound"
        )
    drains = [s.drain_s for s in slices if s.drain_s is not None]
    settles = [s.settle for s in slices if s.settle is not None]
    if any(settled.restarted for settled in settles):
        notes.append(
            "still busy with requests its clients had left after a measured run: "
            "started afresh (100 instances) before the next run"
        )
    elif settles and max(settled.seconds for settled in settles) > 1:
        longest = max(settled.seconds for settled in settles)
        notes.append(f"took up to {longest:.1f} s after a slice to finish requests its clients had left")
    return Measurement(
        side=side.name,
        scenario=scenario.key,
        connections=connections,
        throughput=round(counted / duration, 1) if duration else 0.0,
        requests_per_second=round(requests / duration, 1) if duration else 0.0,
        p50_ms=_weighted(slices, lambda r: r.p50_ms),
        p90_ms=_weighted(slices, lambda r: r.p90_ms),
        p99_ms=_weighted(slices, lambda r: r.p99_ms),
        max_ms=max(r.max_ms for r in results) if requests else None,
        requests=requests,
        duration_s=round(duration, 3),
        bytes_per_response=round(sum(r.bytes for r in results) / requests, 1) if requests else 0.0,
        errors=errors,
        failures=failures,
        rss_peak_mb=round(max(s.rss_peak_mb for s in slices), 1),
        rss_lifetime_peak_mb=round(peak_rss_mb(side.server.pid), 1),
        slice_throughputs=[round(value, 1) for value in per_slice],
        drain_s=round(max(drains), 2) if drains else None,
        notes=notes,
    )


def _log_measurement(m: Measurement) -> None:
    log(
        f"{m.side:>9} {m.scenario:<17} c={m.connections:<3} {m.throughput:>9.1f}/s "
        f"(slices {', '.join(f'{t:.0f}' for t in m.slice_throughputs)}) "
        f"p50 {m.p50_ms or 0:.2f} ms p99 {m.p99_ms or 0:.2f} ms rss {m.rss_peak_mb:.0f} MB"
        + ("" if m.requests else " (no response completed)")
        + (f" drain {m.drain_s:.1f} s" if m.drain_s else "")
    )


def measure_interleaved(
    running: dict[str, Side], keys: tuple[str, ...], scenario: Scenario, connections: int, settings: Settings
) -> list[Measurement]:
    """Warm each side up, then measure them in alternating slices (A B A B ...), each alone on its CPU.

    The machine's speed drifts (other work on it, frequency, neighbours); alternating short slices
    lets the drift hit both sides of a ratio alike instead of whichever side ran second.
    """
    present = [running[key] for key in keys if key in running and scenario.applies_to(running[key])]
    for side in present:
        with _alone(running, side):
            warm_up(side, scenario, connections, settings)
    slices: dict[int, list[_Slice]] = {id(side): [] for side in present}
    seconds = settings.duration_s / settings.rounds
    for _ in range(settings.rounds):
        for side in present:
            with _alone(running, side):
                slices[id(side)].append(measure_slice(side, scenario, connections, seconds, settings))
    measurements = [combine(side, scenario, connections, slices[id(side)]) for side in present]
    for measurement in measurements:
        _log_measurement(measurement)
    return measurements


@contextmanager
def _alone(running: dict[str, Side], measured: Side) -> Iterator[None]:
    """Freeze every other server while ``measured`` is under load."""
    others = [side for side in running.values() if side is not measured]
    for side in others:
        side.server.pause()
    try:
        yield
    finally:
        for side in others:
            side.server.resume()


def _start_all(
    settings: Settings, work_dir: Path, stack: ExitStack, problems: list[str], notes: list[str]
) -> dict[str, Side]:
    cpu = settings.server_cpu
    starters: dict[str, Callable[[], Side]] = {
        REFERENCE: lambda: sides.start_reference(work_dir, API_KEY, cpu),
    }
    large = LIST_100_OF_100K in settings.scenarios
    if settings.stand_in:
        starters[CLOUDCA] = lambda: sides.start_reference(work_dir, API_KEY, cpu, name="cloudca")
        if large:
            starters[LARGE] = lambda: sides.start_reference(work_dir, API_KEY, cpu, name="cloudca")
    else:
        starters[CLOUDCA] = lambda: sides.start_cloudca(
            work_dir, API_KEY, cpu, create_addresses=settings.create_addresses
        )
        postgres_url = settings.postgres_url
        if postgres_url:
            for key, processes in ((PG1, 1), (PG2, 2)):
                starters[key] = functools.partial(
                    sides.start_postgres_cloudca,
                    work_dir,
                    API_KEY,
                    cpu,
                    postgres_url=postgres_url,
                    processes=processes,
                    create_addresses=settings.create_addresses,
                )
        if large:
            starters[LARGE] = lambda: sides.start_large_cloudca(
                work_dir, API_KEY, cpu, instances=settings.large_instances
            )
    if settings.peer and any(scenario.peer for scenario in settings.scenarios):
        starters[PEER] = lambda: sides.start_peer(work_dir, API_KEY, cpu)
    running: dict[str, Side] = {}
    for key, start in starters.items():
        log(f"starting {key}")
        try:
            side = start()
        except Exception as exc:  # the others can still be measured
            problems.append(f"{key} did not start: {exc}")
            log(f"{key} did not start:\n{traceback.format_exc()}")
            continue
        stack.callback(side.stop)
        running[key] = side
        notes.extend(f"{key}: {note}" for note in side.notes)
    return running


def run(settings: Settings) -> Path:
    """Start the servers, measure every scenario on each in turn, write the report; returns its JSON path."""
    wrk.ensure_wrk()
    work_dir = Path(tempfile.mkdtemp(prefix="cloudca-bench-"))
    log(f"work dir {work_dir} (server logs, data dirs)")
    measurements: list[Measurement] = []
    problems: list[str] = []
    notes: list[str] = [f"load average at the start: {_load_average()}"]
    try:
        with ExitStack() as stack:
            running = _start_all(settings, work_dir, stack, problems, notes)
            for scenario in settings.scenarios:
                keys: tuple[str, ...] = (LARGE,) if scenario is LIST_100_OF_100K else ROW_SIDES
                if not scenario.reference:
                    keys = tuple(key for key in keys if key != REFERENCE)
                for connections in settings.connections:
                    try:
                        measurements += measure_interleaved(running, keys, scenario, connections, settings)
                    except Exception as exc:  # one failed run still leaves a report of the others
                        problems.append(f"{scenario.key} c={connections}: {exc}")
                        log(f"{scenario.key} c={connections} failed:\n{traceback.format_exc()}")
    finally:
        notes.append(f"load average at the end: {_load_average()}")
        path = report.write(settings, measurements, problems, notes)
        if settings.keep_work_dir:
            log(f"kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    return path
