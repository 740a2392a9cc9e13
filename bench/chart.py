"""The PNG chart: throughput and p99 latency of cloudca beside the reference, PostgreSQL and the peer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHORT = {
    "get_instance": "GET instance",
    "get_task": "GET task",
    "list_100": "list 100",
    "post_create": "POST create",
    "create_to_success": "create→SUCCESS",
    "list_100_of_100k": "list 100 of 100k",
    "lifecycle": "lifecycle",
}
COLOURS = {
    "reference": "#9e9e9e",
    "cloudca": "#1f77b4",
    "cloudca-pg1": "#2ca02c",
    "cloudca-pg2": "#98df8a",
    "moto": "#ff7f0e",
}
LABELS = {
    "cloudca": "cloudca (SQLite)",
    "cloudca-pg1": "PostgreSQL, 1 process",
    "cloudca-pg2": "PostgreSQL, 2 processes",
}


def _bars(axis: Any, rows: list[dict[str, Any]], field: str, ylabel: str, annotate: str | None) -> None:
    shown = [side for side in COLOURS if any(row.get(side) for row in rows)]
    width = 0.8 / max(len(shown), 1)
    positions = list(range(len(rows)))
    for index, side in enumerate(shown):
        offset = (index - (len(shown) - 1) / 2) * width
        values = [(row.get(side) or {}).get(field) or 0 for row in rows]
        label = LABELS.get(side, side)
        bars = axis.bar([p + offset for p in positions], values, width, label=label, color=COLOURS[side])
        if side == "cloudca" and annotate:
            for bar, row in zip(bars, rows, strict=True):
                ratio = row.get(annotate)
                if ratio is not None and bar.get_height() > 0:
                    if annotate == "ratio":
                        text = f"{ratio:.1%}" if ratio < 0.1 else f"{ratio:.0%}"
                    else:
                        text = f"{ratio:.1f}x"
                    axis.annotate(
                        text,
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center",
                        va="bottom",
                        fontsize=7,
                    )
    axis.set_xticks(positions)
    axis.set_xticklabels(
        [f"{SHORT.get(r['scenario'], r['scenario'])}\nc={r['connections']}" for r in rows],
        fontsize=7,
        rotation=45,
        ha="right",
    )
    axis.set_yscale("log")
    axis.set_ylabel(ylabel)
    axis.grid(axis="y", which="both", alpha=0.3)
    axis.legend(fontsize=8)


def draw(record: dict[str, Any], path: Path) -> None:
    """Draw throughput (ratio to the reference on each bar) and p99 (p99 ratio on each bar)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = record["summary"]
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(14, 5.5))
    _bars(throughput, rows, "throughput", "req/s (create→SUCCESS: tasks/s), log", "ratio")
    throughput.set_title("Throughput; label = cloudca / reference")
    _bars(latency, rows, "p99_ms", "p99 latency, ms, log", "p99_ratio")
    latency.set_title("p99 latency; label = cloudca / reference")
    title = f"cloudca vs bare uvicorn reference and moto's EC2 server — {record['date']}"
    if record["settings"]["stand_in"]:
        title += " (stand-in run)"
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
