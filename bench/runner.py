"""The run: reference first, then cloudca, then cloudca with 100,000 instances; one report at the end."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import bulk_seed, report, seeding, sides, wrk
from bench.measurement import Measurement
from bench.processes import RssSampler, peak_rss_mb
from bench.scenarios import LIST_100_OF_100K, MAIN, Scenario
from bench.sides import Side

API_KEY = "bench-0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told (``python -m bench --help``)."""

    duration_s: float
    warmup_s: float
    connections: tuple[int, ...]
    scenarios: tuple[Scenario, ...]
    large_instances: int
    server_cpu: int
    load_cpu: int
    stand_in: bool
    results_dir: Path
    keep_work_dir: bool


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _drain(side: Side, task_id: str) -> float | None:
    if not task_id:
        return None
    return asyncio.run(seeding.drain(side.base_url, side.api_key, task_id))


def _wrk(
    side: Side, scenario: Scenario, connections: int, duration_s: float, settings: Settings
) -> wrk.WrkResult:
    return wrk.run(
        scenario.url(side),
        scenario.script,
        scenario.script_args(side),
        api_key=side.api_key,
        connections=connections,
        duration_s=duration_s,
        cpu=settings.load_cpu,
        request_timeout_s=scenario.request_timeout_s,
    )


def measure(side: Side, scenario: Scenario, connections: int, settings: Settings) -> Measurement:
    """Warm up, then measure one scenario while sampling the server's resident memory."""
    if settings.warmup_s > 0:
        warmup = _wrk(side, scenario, connections, settings.warmup_s, settings)
        if scenario.creates:
            _drain(side, warmup.last_task_id)
    with RssSampler(side.server.pid) as sampler:
        result = _wrk(side, scenario, connections, settings.duration_s, settings)
    drain_s = _drain(side, result.last_task_id) if scenario.creates else None
    notes = []
    if result.capped:
        notes.append("hit the request-count bound: throughput is a lower bound")
    if result.error_count or result.failures:
        notes.append(f"errors {result.errors}, failed tasks/creates {result.failures}")
    throughput = result.successes_per_second if scenario.counts_successes else result.requests_per_second
    measurement = Measurement(
        side=side.name,
        scenario=scenario.key,
        connections=connections,
        throughput=round(throughput, 1),
        requests_per_second=round(result.requests_per_second, 1),
        p50_ms=result.p50_ms,
        p90_ms=result.p90_ms,
        p99_ms=result.p99_ms,
        max_ms=result.max_ms,
        requests=result.requests,
        duration_s=round(result.duration_s, 3),
        bytes_per_response=round(result.bytes / result.requests, 1) if result.requests else 0.0,
        errors=result.errors,
        failures=result.failures,
        rss_peak_mb=round(sampler.peak_mb, 1),
        rss_lifetime_peak_mb=round(peak_rss_mb(side.server.pid), 1),
        drain_s=None if drain_s is None else round(drain_s, 2),
        notes=notes,
    )
    _log(
        f"{side.name:>9} {scenario.key:<17} c={connections:<3} {measurement.throughput:>9.1f}/s "
        f"p50 {measurement.p50_ms:.2f} ms p99 {measurement.p99_ms:.2f} ms "
        f"rss {measurement.rss_peak_mb:.0f} MB" + (f" drain {drain_s:.1f} s" if drain_s else "")
    )
    return measurement


def _measure_all(side: Side, scenarios: tuple[Scenario, ...], settings: Settings) -> list[Measurement]:
    return [
        measure(side, scenario, connections, settings)
        for scenario in scenarios
        for connections in settings.connections
    ]


@contextmanager
def _running(start: Callable[[], Side]) -> Iterator[Side]:
    side = start()
    try:
        yield side
    finally:
        side.stop()


def _large_cloudca(work_dir: Path, settings: Settings) -> Side:
    """cloudca over a database holding ``large_instances`` instances, inserted while it is stopped."""
    data_dir = work_dir / "data-large"
    server, _ = sides.launch_cloudca(work_dir, data_dir, API_KEY, settings.server_cpu, "cloudca-seed")
    server.stop()  # the first start created the schema and the catalog
    started = time.monotonic()
    inserted = bulk_seed.seed(data_dir / bulk_seed.DATABASE_NAME, settings.large_instances)
    _log(f"inserted {inserted} instances directly in {time.monotonic() - started:.1f} s")
    server, base_url = sides.launch_cloudca(work_dir, data_dir, API_KEY, settings.server_cpu, "cloudca-large")
    return Side(
        name="cloudca",
        server=server,
        base_url=base_url,
        api_key=API_KEY,
        instance_path="",
        task_path="",
        network_ids=(),
        create_body_template="",
    )


def run(settings: Settings) -> Path:
    """Run every phase, write the report, and return the JSON file's path."""
    wrk.ensure_wrk()
    work_dir = Path(tempfile.mkdtemp(prefix="cloudca-bench-"))
    _log(f"work dir {work_dir} (server logs, data dirs)")
    measurements: list[Measurement] = []
    problems: list[str] = []
    main = tuple(s for s in MAIN if s in settings.scenarios)
    large = LIST_100_OF_100K in settings.scenarios

    def phase(title: str, start: Callable[[], Side], scenarios: tuple[Scenario, ...]) -> None:
        if not scenarios:
            return
        _log(f"phase: {title}")
        try:
            with _running(start) as side:
                measurements.extend(_measure_all(side, scenarios, settings))
        except Exception as exc:  # one failed phase still leaves a report of the others
            problems.append(f"{title}: {exc}")
            _log(f"phase {title} failed:\n{traceback.format_exc()}")

    cpu = settings.server_cpu
    ref_scenarios = main if main else ()
    if large and not main:
        ref_scenarios = (next(s for s in MAIN if s.key == "list_100"),)
    phase("reference", lambda: sides.start_reference(work_dir, API_KEY, cpu), ref_scenarios)
    if settings.stand_in:
        stand_in = lambda: sides.start_reference(work_dir, API_KEY, cpu, name="cloudca")  # noqa: E731
        phase("stand-in for cloudca", stand_in, main + ((LIST_100_OF_100K,) if large else ()))
    else:
        data_dir = work_dir / "data"
        phase("cloudca", lambda: sides.start_cloudca(work_dir, data_dir, API_KEY, cpu), main)
        if large:
            phase(
                f"cloudca with {settings.large_instances} instances",
                lambda: _large_cloudca(work_dir, settings),
                (LIST_100_OF_100K,),
            )
    path = report.write(settings, measurements, problems)
    if settings.keep_work_dir:
        _log(f"kept {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    return path
