"""Keeping instance states true when machines change behind cloudca's back (drift).

Two sources say "look at this machine again": the driver's events (``ComputeDriver.watch``: a
guest that powered itself off, a QEMU that died, a domain deleted) and a periodic sweep over the
driver's whole inventory, the safety net for events lost while a connection was down, and the
first thing done at start, so that no state is stale after a restart.

Drift never fights a task: an instance with a task of its own is left alone and looked at again
once the task has ended (the task's own end writes what the driver did). The correction is one
conditional ``UPDATE`` (no task, same state, same ``updated_at`` as when the machine was read), so
with several processes on one database exactly one of them records it, and a task that ran in
between (and moved ``updated_at``) wins. Each correction is recorded as an ended task of kind
``instances.drift`` whose result gives the reason; it is the instance's last task.

Machines cloudca does not know (another tool's domains, or one whose instance was purged) are
reported, once each, in the log and in ``unknown_machines``; never adopted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from cloudca.server.access.models import Environment
from cloudca.server.background import Background
from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver, DriverError, MachineReport, PowerState
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.instances.representation import represent_one
from cloudca.server.placement.models import HOST_DOWN, HOST_UP, Host
from cloudca.server.tasks.models import SUCCESS, Task

log = logging.getLogger("cloudca.drift")

KIND = "instances.drift"
#: How soon an instance skipped because a task held it is looked at again.
BUSY_RETRY_SECONDS = 1.0
GONE = "The instance's machine no longer exists on its host"
CRASHED = "The instance's machine stopped by failure (its emulator process died or the guest crashed)"
POWERED_OFF = "The guest powered itself off"
STARTED = "The machine was started outside cloudca"


@dataclass(frozen=True)
class _Seen:
    """An instance as the database had it before its machine was read."""

    id: str
    environment_id: str
    state: str
    updated_at: datetime
    host_name: str | None = None


def correction(seen_state: str, report: MachineReport | None) -> tuple[str, str] | None:
    """The state an instance should move to, and why, given its machine's report; ``None``: no drift."""
    if report is None:
        return states.ERROR, GONE
    if report.problem:
        return states.ERROR, report.problem
    if seen_state == states.RUNNING and report.power_state is PowerState.STOPPED:
        return (states.ERROR, CRASHED) if report.crashed else (states.STOPPED, POWERED_OFF)
    if seen_state == states.STOPPED and report.power_state is PowerState.RUNNING:
        return states.RUNNING, STARTED
    return None


class DriftMonitor:
    """Watches the driver's machines and corrects instance states; one per process."""

    def __init__(self, database: Database, driver: ComputeDriver, sweep_seconds: float) -> None:
        self._database = database
        self._driver = driver
        self._sweep_seconds = sweep_seconds
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._loop = Background("cloudca-drift")
        #: Machines on the backend that cloudca does not know: backend name -> host (the metric).
        self.unknown_machines: dict[str, str] = {}
        #: Corrections this process recorded (a metric for operators and tests).
        self.corrections = 0
        self._down: frozenset[str] | None = None

    def notice(self, instance_id: str) -> None:
        """Look at ``instance_id``'s machine again soon (called by the driver's events)."""
        self._dirty.add(instance_id)
        self._wake.set()

    async def start(self) -> None:
        self._driver.watch(self.notice)
        self._loop.start(self._run())

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self) -> None:
        next_sweep = time.monotonic()  # At once: after a restart, nothing stays stale.
        while True:
            self._wake.clear()
            if self._sweep_seconds > 0 and time.monotonic() >= next_sweep:
                await self._guarded(self.sweep())
                next_sweep = time.monotonic() + self._sweep_seconds
            pending, self._dirty = self._dirty, set()
            for instance_id in pending:
                if not await self._guarded(self.check(instance_id)):
                    self._dirty.add(instance_id)
            timeout = next_sweep - time.monotonic() if self._sweep_seconds > 0 else None
            if self._dirty:
                timeout = BUSY_RETRY_SECONDS if timeout is None else min(timeout, BUSY_RETRY_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), None if timeout is None else max(timeout, 0.0))

    async def _guarded(self, work: object) -> bool:
        """Run one check or sweep; a failure is logged and retried later, never ends the monitor."""
        try:
            return bool(await work)  # type: ignore[misc]
        except asyncio.CancelledError:
            raise
        except DriverError as exc:
            log.warning("drift: the backend did not answer: %s", exc)
        except Exception:
            log.exception("drift: a check failed")
        return False

    async def check(self, instance_id: str) -> bool:
        """Correct one instance from its machine's report. False: it is busy, look again later."""
        down = await self.mark_hosts()
        seen = await self._seen(instance_id)
        if seen is None:
            return True
        if seen is _BUSY:
            return False
        if seen.host_name in down:
            return True  # A silent host says nothing about its machines: the last state stays.
        return await self._apply(seen, await self._driver.report(instance_id))

    async def sweep(self) -> bool:
        """Compare the driver's whole inventory with the database (skipped when it cannot list)."""
        reports = await self._driver.list_machines()
        down = await self.mark_hosts()
        if reports is None:
            return True
        by_id = {report.instance_id: report for report in reports if report.instance_id is not None}
        async with self._database.session() as session:
            known = set(
                (await session.execute(select(Instance.id).where(Instance.id.in_(list(by_id))))).scalars()
            )
            rows = (await session.execute(_SEEN.where(Instance.state.in_(_WATCHED)))).all()
        self._report_unknown([r for r in reports if r.instance_id is None or r.instance_id not in known])
        for row in rows:
            if row.task_id is not None:
                continue  # Its task's end writes the truth; the next sweep looks again.
            if row.host_name in down:
                continue  # A silent host says nothing about its machines: the last state stays.
            seen = _Seen(row.id, row.environment_id, row.state, row.updated_at)
            if not await self._apply(seen, by_id.get(row.id)):
                self._dirty.add(row.id)
        return True

    async def mark_hosts(self) -> frozenset[str]:
        """Record which hosts answer: those that stopped are ``Down`` (placement skips them and their
        instances carry ``hostDown``), those back are ``Up``. Returns the silent hosts' names."""
        down = self._driver.unreachable_hosts()
        if down == self._down:
            return down  # The common case: nothing changed since this process last wrote it.
        async with self._database.transaction() as session:
            await session.execute(
                update(Host)
                .where(Host.name.in_(list(down)), Host.state == HOST_UP)
                .values(state=HOST_DOWN)
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                update(Host)
                .where(Host.name.not_in(list(down)), Host.state == HOST_DOWN)
                .values(state=HOST_UP)
                .execution_options(synchronize_session=False)
            )
        before = self._down or frozenset()
        for name in down - before:
            log.warning("drift: host %s does not answer; marked Down", name)
        for name in before - down:
            log.warning("drift: host %s answers again; marked Up", name)
        self._down = down
        return down

    def _report_unknown(self, reports: list[MachineReport]) -> None:
        current = {report.name: report.host_name for report in reports}
        for name, host in current.items():
            if name not in self.unknown_machines:
                log.warning("drift: machine %s on host %s is not cloudca's; left alone", name, host)
        self.unknown_machines = current

    async def _seen(self, instance_id: str) -> _Seen | None:
        async with self._database.session() as session:
            row = (await session.execute(_SEEN.where(Instance.id == instance_id))).one_or_none()
        if row is None or row.state not in _WATCHED:
            return None
        if row.task_id is not None:
            return _BUSY
        return _Seen(instance_id, row.environment_id, row.state, row.updated_at, row.host_name)

    async def _apply(self, seen: _Seen, report: MachineReport | None) -> bool:
        change = correction(seen.state, report)
        if change is None:
            return True
        state, reason = change
        async with self._database.transaction() as session:
            result = await session.execute(
                update(Instance)
                .where(
                    Instance.id == seen.id,
                    Instance.task_id.is_(None),
                    Instance.state == seen.state,
                    Instance.updated_at == seen.updated_at,
                )
                .values(state=state, stable_state=state)
                .execution_options(synchronize_session=False)
            )
            if not getattr(result, "rowcount", 0):
                return False  # Changed since it was read (a task, another process): look again.
            organization_id = (
                await session.execute(
                    select(Environment.organization_id).where(Environment.id == seen.environment_id)
                )
            ).scalar_one()
            represented = await represent_one(session, seen.id) or {"id": seen.id}
            represented.update({"previousState": seen.state, "driftReason": reason})
            now = utcnow()
            session.add(
                Task(
                    organization_id=organization_id,
                    environment_id=seen.environment_id,
                    kind=KIND,
                    entity_type="instances",
                    entity_id=seen.id,
                    status=SUCCESS,
                    result=represented,
                    started_at=now,
                    ended_at=now,
                    attempts=1,
                )
            )
        self.corrections += 1
        log.warning("drift: instance %s %s -> %s: %s", seen.id, seen.state, state, reason)
        return True


_BUSY = _Seen("", "", "", datetime.min)
#: Instances whose machine should exist and agree with their state (Error and Destroyed are left as they are).
_WATCHED = (states.RUNNING, states.STOPPED)
_SEEN = select(
    Instance.id,
    Instance.environment_id,
    Instance.state,
    Instance.task_id,
    Instance.updated_at,
    Host.name.label("host_name"),
).outerjoin(Host, Host.id == Instance.host_id)
