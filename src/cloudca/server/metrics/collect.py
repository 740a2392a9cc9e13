"""The server's metrics as Prometheus metric families, read when scraped (nothing is kept).

Hosts, instances and tasks come from the database, so every process answers alike; the unknown
machines and drift corrections are what this process's drift monitor saw (each process compares
the whole inventory, so any one of them gives the count; corrections are this process's own).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select

from cloudca.server.catalog.models import Zone
from cloudca.server.db.engine import Database
from cloudca.server.instances.models import Instance
from cloudca.server.placement.models import HOST_UP, Host
from cloudca.server.tasks.models import Task


@dataclass(frozen=True)
class Snapshot:
    """One scrape's figures."""

    #: (host, zone, up, cpus used, cpus, memory MB used, memory MB) per host.
    hosts: list[tuple[str, str, bool, int, int, int, int]]
    instances: Mapping[str, int]
    tasks: Mapping[str, int]
    #: Machines cloudca does not know, by host (never adopted: see ``instances.drift``).
    unknown_machines: Mapping[str, int] = field(default_factory=dict)
    drift_corrections: int = 0


async def snapshot(
    database: Database, unknown_machines: Mapping[str, str], drift_corrections: int
) -> Snapshot:
    """Read the figures; ``unknown_machines`` is the drift monitor's (machine name -> host)."""
    async with database.read() as connection:
        hosts = (
            await connection.execute(
                select(
                    Host.name,
                    Zone.name,
                    Host.state,
                    Host.cpu_used,
                    Host.cpu_total,
                    Host.memory_mb_used,
                    Host.memory_mb_total,
                )
                .join(Zone, Zone.id == Host.zone_id)
                .order_by(Host.name)
            )
        ).all()
        instances = (
            await connection.execute(select(Instance.state, func.count()).group_by(Instance.state))
        ).all()
        tasks = (await connection.execute(select(Task.status, func.count()).group_by(Task.status))).all()
    unknown = {name: 0 for name, *_ in hosts}
    for host in unknown_machines.values():
        unknown[host] = unknown.get(host, 0) + 1
    return Snapshot(
        hosts=[(row[0], row[1], row[2] == HOST_UP, row[3], row[4], row[5], row[6]) for row in hosts],
        instances=dict(instances),
        tasks=dict(tasks),
        unknown_machines=unknown,
        drift_corrections=drift_corrections,
    )


class _Families(Collector):
    def __init__(self, figures: Snapshot) -> None:
        self._figures = figures

    def collect(self) -> Iterator[Metric]:
        figures = self._figures
        labels = ["host", "zone"]
        up = GaugeMetricFamily(
            "cloudca_host_up", "1 while the host answers, 0 while it is Down", labels=labels
        )
        cpus = GaugeMetricFamily("cloudca_host_cpus", "CPUs of the host", labels=[*labels, "use"])
        memory = GaugeMetricFamily(
            "cloudca_host_memory_mb", "Memory of the host (MB)", labels=[*labels, "use"]
        )
        for name, zone, answers, cpu_used, cpu_total, memory_used, memory_total in figures.hosts:
            up.add_metric([name, zone], 1 if answers else 0)
            cpus.add_metric([name, zone, "used"], cpu_used)
            cpus.add_metric([name, zone, "total"], cpu_total)
            memory.add_metric([name, zone, "used"], memory_used)
            memory.add_metric([name, zone, "total"], memory_total)
        yield from (up, cpus, memory)
        unknown = GaugeMetricFamily(
            "cloudca_unknown_machines",
            "Machines on the host that cloudca does not know (logged, never adopted)",
            labels=["host"],
        )
        for host, count in sorted(figures.unknown_machines.items()):
            unknown.add_metric([host], count)
        yield unknown
        yield CounterMetricFamily(
            "cloudca_drift_corrections",
            "Instance states this process corrected from what the backend reported",
            value=figures.drift_corrections,
        )
        yield _by("cloudca_instances", "Instances by state", "state", figures.instances)
        yield _by("cloudca_tasks", "Tasks by status", "status", figures.tasks)


def _by(name: str, documentation: str, label: str, counts: Mapping[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, count in sorted(counts.items()):
        family.add_metric([key], count)
    return family


def registry(figures: Snapshot) -> CollectorRegistry:
    """A registry holding exactly this scrape's families (no process-wide default collectors)."""
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_Families(figures))
    return scraped
