"""The periodic reconcile pass: the backend made equal to the database again, instance by instance.

A backend that really applies things (libvirt: domain definitions, nftables rules) can lose or
change them behind cloudca's back: an ``nft flush ruleset``, a domain edited by hand, a host that
rebooted while cloudca kept running. The drift monitor corrects the *records* where the backend's
truth wins (power: a guest may power itself off); this pass corrects the *backend* where the
records' truth wins: each idle instance's NICs, disks and the forwards, static NAT and balancers of
its public IPs, through ``reconcile.read``/``push`` (the same push every undo uses). Power is not
pushed: it is drift's.

An instance with a task of its own is skipped (that task pushes, and its undo reconciles). Like the
rule restore at start (``networking.restore``), a pass can overlap a volume, NIC or rule task that
has pushed a change and not yet recorded it; that task's end or undo pushes again: the window is
accepted rather than locking instances against the pass. One instance's refusal is logged and the
pass goes on. Only drivers that apply something for real get a pass: the simulator only records,
and nothing of it drifts.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from cloudca.server.background import Background
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.guard import GuardedDriver
from cloudca.server.errors import ServiceError
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.instances.reconcile import Part, push, read

log = logging.getLogger("cloudca.reconcile")

#: What the pass pushes: everything but power.
PARTS = Part.NICS | Part.DISKS | Part.ADDRESSES

_IDLE = (
    select(Instance.id)
    .where(Instance.task_id.is_(None), Instance.state.in_([states.RUNNING, states.STOPPED]))
    .order_by(Instance.id)
)


def wanted(driver: ComputeDriver) -> bool:
    """Whether anything of ``driver``'s backend can drift from what it was told."""
    capabilities = driver.capabilities
    return (
        capabilities.real_guests
        or capabilities.forwards_ports
        or capabilities.enforces_network_acls
        or capabilities.balances_load
    )


class ReconcilePass:
    """Runs ``run_once`` every ``interval`` seconds until stopped."""

    def __init__(self, database: Database, driver: ComputeDriver, interval: float) -> None:
        self._database = database
        self._driver = GuardedDriver(driver)  # no task, no lease: only the mapping of errors
        self._interval = interval
        self._loop = Background("cloudca-reconcile")

    async def run_once(self) -> int:
        """Reconcile every idle instance once; returns how many the backend refused."""
        async with self._database.session() as session:
            instance_ids = list((await session.execute(_IDLE)).scalars())
        refused = 0
        for instance_id in instance_ids:
            async with self._database.session() as session:
                desired = await read(session, instance_id, parts=PARTS)
            if desired is None:
                continue
            try:
                await push(self._driver, instance_id, desired)
            except ServiceError as exc:
                refused += 1
                log.warning(
                    "reconcile: instance %s could not be brought in line: %s", instance_id, exc.message
                )
        return refused

    async def start(self) -> None:
        self._loop.start(self._run())

    async def stop(self) -> None:
        await self._loop.stop()  # _run logs a failed pass and goes on: only its cancellation ends it

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)  # a period, not a synchronisation
            try:
                await self.run_once()
            except Exception:
                log.exception("reconcile: the pass failed; next one in %s s", self._interval)
