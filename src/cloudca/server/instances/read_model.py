"""The names a page of instances shows, kept in each process's memory and never stale.

Why: each instance of a list carries the names of its zone, template (and the template's password,
SSH key and username facts), compute offering, network and VPC. Joining five tables for each of a
page's 100 rows cost more than reading the rows themselves; these tables are small and change
rarely, so each process keeps them in memory instead.

Exact invalidation, across processes: a counter per table (``catalogue_versions``) is bumped by
triggers (migration 14a) in the same transaction as any insert, delete or rename of a row, whoever
writes it. Every page first reads the counters (one small indexed read) and reloads the tables
whose counter moved, so a rename committed anywhere shows in the next page anywhere.

On PostgreSQL a page's statements may see different snapshots (read committed): a row created
between the counters' read and the page's may be missing from the names; the page then reloads and
looks again (``lookup`` returns ``None`` on a miss so that the caller can).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cloudca.server.catalog.models import ComputeOffering, Template, Zone
from cloudca.server.db.inline_reads import InlineReads
from cloudca.server.instances.models import CatalogueVersion
from cloudca.server.networking.models import Network, Vpc

Executor = AsyncSession | AsyncConnection | InlineReads

_VERSIONS = select(CatalogueVersion.name, CatalogueVersion.version)
#: Per table: the statement that loads it (id first, then what the list shows), built once.
_LOADS = {
    "zones": select(Zone.id, Zone.name),
    "templates": select(
        Template.id, Template.name, Template.password_enabled, Template.ssh_key_enabled, Template.username
    ),
    "compute_offerings": select(ComputeOffering.id, ComputeOffering.name),
    "networks": select(Network.id, Network.name, Network.vpc_id),
    "vpcs": select(Vpc.id, Vpc.name),
}


@dataclass(frozen=True)
class _Table:
    version: int
    rows: Mapping[str, tuple[Any, ...]]  # id -> the loaded columns after the id


class CatalogueNames:
    """One process's copy of the names, for one database. Each table is replaced whole, in one
    assignment, so a reader that suspends in between never sees a half-loaded table."""

    def __init__(self) -> None:
        self._tables: dict[str, _Table] = {}

    async def refresh(self, executor: Executor, *, force: bool = False) -> None:
        """Reload every table whose counter moved since it was loaded (every table, with ``force``).

        The counter is read before the rows: a change committed in between makes the stored version
        older than the rows, which costs one more reload, never a stale name."""
        versions = dict((await executor.execute(_VERSIONS)).all())
        for name, statement in _LOADS.items():
            current = self._tables.get(name)
            version = versions.get(name, -1)
            if force or current is None or current.version != version:
                rows: Sequence[Sequence[Any]] = (await executor.execute(statement)).all()
                self._tables[name] = _Table(version, {str(row[0]): tuple(row[1:]) for row in rows})

    def rows(self, table: str) -> Mapping[str, tuple[Any, ...]]:
        return self._tables[table].rows


#: Per database (the executor's engine, or the inline reader): its names, as long as it lives.
_BY_SOURCE: weakref.WeakKeyDictionary[object, CatalogueNames] = weakref.WeakKeyDictionary()


def _source(executor: Executor) -> object:
    if isinstance(executor, InlineReads):
        return executor
    if isinstance(executor, AsyncConnection):
        return executor.sync_engine
    return executor.sync_session.get_bind()


async def current(executor: Executor) -> CatalogueNames:
    """The names as of now for ``executor``'s database (reloading what changed)."""
    source = _source(executor)
    names = _BY_SOURCE.get(source)
    if names is None:
        names = _BY_SOURCE[source] = CatalogueNames()
    await names.refresh(executor)
    return names
