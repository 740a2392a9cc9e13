"""The long-lived objects of one server process, shared by the HTTP edge and the task runner.

The access service is not here: only the edge uses it (``api.state.EdgeRuntime``); what a service
needs of it arrives as an argument (the caller's ``EnvironmentScope``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cloudca.server.config import Settings
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver

if TYPE_CHECKING:
    from cloudca.server.tasks.runner import TaskRunner


class DriftFigures(Protocol):
    """What the drift monitor has seen, for the metrics (``instances.drift.DriftMonitor``)."""

    @property
    def unknown_machines(self) -> Mapping[str, str]: ...

    @property
    def corrections(self) -> int: ...


@dataclass
class Runtime:
    settings: Settings
    database: Database
    driver: ComputeDriver
    tasks: TaskRunner
    #: The SQLite database file this process owns (``db.ownership``); ``None`` on PostgreSQL.
    owned_database: Path | None = field(default=None, kw_only=True)
    #: What else runs in the background (the drift monitor), stopped first at shutdown.
    stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list, kw_only=True)
    #: The drift monitor's figures (``None`` when it does not run: ``CLOUDCA_DRIFT_SWEEP_SECONDS`` < 0).
    drift: DriftFigures | None = field(default=None, kw_only=True)
