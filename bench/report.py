"""The run's record: ``bench/results/<date>.json``, a markdown table beside it, and a PNG chart."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import chart
from bench.measurement import Measurement
from bench.scenarios import BY_KEY
from bench.targets import OTHER_SIDES, Lookup, Target, evaluate

if TYPE_CHECKING:
    from bench.runner import Settings

REPO = Path(__file__).resolve().parent.parent
_PACKAGES = (
    "cloudca", "uvicorn", "uvloop", "httptools", "starlette", "fastapi", "sqlalchemy", "aiosqlite", "asyncpg",
    "moto", "werkzeug", "flask",
)  # fmt: skip


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10, cwd=REPO).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    wrk_banner = _command_output(["wrk", "--version"]).splitlines()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk_banner[0] if wrk_banner else None,
        "packages": {package: _version(package) for package in _PACKAGES},
        "commit": _command_output(["git", "rev-parse", "--short", "HEAD"]) or None,
    }


def _figures(m: Measurement | None, *, rss: bool = False) -> dict[str, Any] | None:
    if m is None:
        return None
    figures: dict[str, Any] = {"throughput": m.throughput, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms}
    figures["rss_peak_mb"] = m.rss_peak_mb
    if rss:
        figures["rss_lifetime_peak_mb"] = m.rss_lifetime_peak_mb
    return figures


def _row(lookup: Lookup, scenario: str, connections: int) -> dict[str, Any] | None:
    ours, theirs = (
        lookup.get("cloudca", scenario, connections),
        lookup.get("reference", scenario, connections),
    )
    others = {side: lookup.get(side, scenario, connections) for side in OTHER_SIDES}
    if ours is None and theirs is None and not any(others.values()):
        return None
    ratio, p99_ratio = lookup.ratio(scenario, connections), lookup.p99_ratio(scenario, connections)
    peer_ratio = lookup.peer_ratio(scenario, connections)
    row: dict[str, Any] = {
        "scenario": scenario,
        "title": BY_KEY[scenario].title,
        "connections": connections,
        "unit": BY_KEY[scenario].unit,
        "cloudca": _figures(ours, rss=True),
        "reference": _figures(theirs),
        "ratio": None if ratio is None else round(ratio, 4),
        # JSON has no infinity: cloudca completing no response at all shows as null here.
        "p99_ratio": None if p99_ratio is None or math.isinf(p99_ratio) else round(p99_ratio, 2),
        "peer_ratio": None if peer_ratio is None else round(peer_ratio, 2),
    }
    for side, measurement in others.items():
        row[side] = _figures(measurement)
    return row


def summarise(measurements: list[Measurement], connections: tuple[int, ...]) -> list[dict[str, Any]]:
    """One row per scenario and connection count: cloudca beside the reference, PostgreSQL, the peer."""
    lookup = Lookup(measurements)
    rows = [_row(lookup, scenario, count) for scenario in BY_KEY for count in connections]
    return [row for row in rows if row is not None]


def _number(value: float | None, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def _latency(figures: dict[str, Any]) -> str:
    return f"{_number(figures.get('p50_ms'), '{:.2f}')} / {_number(figures.get('p99_ms'), '{:.2f}')}"


def markdown(record: dict[str, Any]) -> str:
    """The table people read: req/s, p50, p99, ratio to the reference, peak RSS; then the targets."""
    lines = [
        f"# cloudca benchmark, {record['date']}",
        "",
        f"{record['machine']['cpus']} CPUs ({record['machine']['cpu_model']}); server pinned to CPU "
        f"{record['settings']['server_cpu']}, wrk (1 thread) to CPU {record['settings']['load_cpu']}; "
        f"{record['settings']['warmup_s']:g} s warm-up, {record['settings']['duration_s']:g} s measured "
        f"in {record['settings']['rounds']} slices alternating with the reference"
        + (" — **stand-in run: the reference played cloudca**" if record["settings"]["stand_in"] else ""),
        "",
        "Throughput (the unit is in the cloudca column). **ratio**: cloudca on SQLite over the reference; "
        "**vs moto**: cloudca on SQLite over the peer, moto's EC2 server, driven with the equivalent EC2 "
        "calls (DescribeInstances of 1 id, of 100; RunInstances). PostgreSQL: the same cloudca on a "
        "PostgreSQL database, 1 process, and 2 processes behind one port (`cloudca serve --workers 2`), "
        "on the same server CPU.",
        "",
        "| scenario | conns | cloudca (SQLite) | PG 1 proc | PG 2 procs | reference | moto | ratio "
        "| vs moto | cloudca p50 / p99 ms | reference p50 / p99 ms | p99 ratio | cloudca peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in record["summary"]:
        ours, theirs = row["cloudca"] or {}, row["reference"] or {}
        pg1, pg2, peer = (row.get(side) or {} for side in OTHER_SIDES)
        lines.append(
            f"| {row['title']} | {row['connections']} "
            f"| {_number(ours.get('throughput'), '{:,.0f}')} {row['unit']} "
            f"| {_number(pg1.get('throughput'), '{:,.0f}')} "
            f"| {_number(pg2.get('throughput'), '{:,.0f}')} "
            f"| {_number(theirs.get('throughput'), '{:,.0f}')} "
            f"| {_number(peer.get('throughput'), '{:,.0f}')} "
            f"| {_number(row['ratio'], '{:.1%}')} "
            f"| {_number(row.get('peer_ratio'), '{:.1f}x')} "
            f"| {_latency(ours)} | {_latency(theirs)} "
            f"| {_number(row['p99_ratio'], '{:.1f}x')} "
            f"| {_number(ours.get('rss_peak_mb'), '{:.0f}')} |"
        )
    lines += [
        "",
        "Latency, p50 / p99 ms, of the other sides:",
        "",
        "| scenario | conns | PG 1 proc | PG 2 procs | moto |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in record["summary"]:
        pg1, pg2, peer = (row.get(side) or {} for side in OTHER_SIDES)
        if pg1 or pg2 or peer:
            lines.append(
                f"| {row['title']} | {row['connections']} | {_latency(pg1)} | {_latency(pg2)} "
                f"| {_latency(peer)} |"
            )
    lines += [
        "",
        "## Targets (issue 14; at 16 connections unless said otherwise)",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    for target in record["targets"]:
        met = {True: "yes", False: "**no**", None: "-"}[target["met"]]
        lines.append(f"| {target['text']} | {target['measured']} | {met} |")
    lines += [
        "",
        "## Response sizes (bytes, headers included, at the lowest connection count)",
        "",
        "| scenario | cloudca | reference | moto |",
        "|---|---:|---:|---:|",
    ]
    low = min(record["settings"]["connections"])
    sizes: dict[str, dict[str, float]] = {}
    for m in record["measurements"]:
        if m["connections"] == low and m["requests"]:
            sizes.setdefault(m["scenario"], {})[m["side"]] = m["bytes_per_response"]
    for scenario, by_side in sizes.items():
        lines.append(
            f"| {scenario} | {_number(by_side.get('cloudca'), '{:,.0f}')} "
            f"| {_number(by_side.get('reference'), '{:,.0f}')} | {_number(by_side.get('moto'), '{:,.0f}')} |"
        )
    notes = [f"- {note}" for note in record["notes"]]
    notes += [
        f"- {m['side']} {m['scenario']} c={m['connections']}: {note}"
        for m in record["measurements"]
        for note in m["notes"]
    ]
    if notes:
        lines += ["", "## Notes", "", *notes]
    if record["problems"]:
        lines += ["", "## Problems", "", *(f"- {problem}" for problem in record["problems"])]
    return "\n".join(lines) + "\n"


def write(settings: Settings, measurements: list[Measurement], problems: list[str], notes: list[str]) -> Path:
    """Write the JSON, markdown and PNG files; returns the JSON file's path."""
    today = datetime.date.today().isoformat()
    # Only a full run is named by its date alone: a quick or stand-in run never overwrites it.
    stem = today + ("-stand-in" if settings.stand_in else "") + ("-quick" if settings.quick else "")
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    scenarios = [s.key for s in settings.scenarios]
    targets: list[Target] = evaluate(
        measurements,
        scenarios,
        base=min(settings.connections),
        high=max(settings.connections),
        large_instances=settings.large_instances,
    )
    record: dict[str, Any] = {
        "date": today,
        "machine": machine(),
        "settings": {
            "duration_s": settings.duration_s,
            "rounds": settings.rounds,
            "warmup_s": settings.warmup_s,
            "connections": list(settings.connections),
            "scenarios": scenarios,
            "large_instances": settings.large_instances,
            "create_addresses": settings.create_addresses,
            "server_cpu": settings.server_cpu,
            "load_cpu": settings.load_cpu,
            "stand_in": settings.stand_in,
            "quick": settings.quick,
            "postgres": settings.postgres_url is not None,
            "peer": settings.peer,
        },
        "summary": summarise(measurements, settings.connections),
        "targets": [target.__dict__ for target in targets],
        "measurements": [m.to_json() for m in measurements],
        "notes": notes,
        "problems": problems,
    }
    try:
        chart.draw(record, settings.results_dir / f"{stem}.png")
    except ImportError:
        record["problems"].append("matplotlib is missing (pip install -e '.[bench]'): no chart drawn")
    json_path = settings.results_dir / f"{stem}.json"
    json_path.write_text(json.dumps(record, indent=2) + "\n")
    (settings.results_dir / f"{stem}.md").write_text(markdown(record))
    return json_path
