"""The one wrapper between tasks and a driver (``drivers.guard``): what a backend failure becomes,
and that nothing reaches the backend once the caller's lease check refuses."""

from __future__ import annotations

import pytest

from cloudca.server.drivers.base import DriverError, MachineNotFoundError
from cloudca.server.drivers.guard import GuardedDriver
from cloudca.server.drivers.simulator import SimulatorDriver
from cloudca.server.errors import InternalError, NoCapacity
from tests.drivers.conftest import SpecFactory


class Fenced(Exception):
    pass


def _simulator() -> SimulatorDriver:
    return SimulatorDriver(zones=("QC-1",), hosts_per_zone=1, host_cpus=4, host_memory_mb=4096, seed=0)


async def test_a_backend_failure_becomes_an_internal_error_naming_the_action_and_the_reason():
    inner = _simulator()
    inner.inject_fault("start", error=DriverError("the disk is gone"))
    guarded = GuardedDriver(inner)
    host = (await guarded.hosts())[0]
    spec = SpecFactory().machine(host)
    await guarded.create(spec)

    with pytest.raises(InternalError) as raised:
        await guarded.start(spec.instance_id)

    assert raised.value.message == "The compute backend failed to start the machine: the disk is gone"
    assert isinstance(raised.value.__cause__, DriverError)


async def test_no_capacity_stays_no_capacity():
    guarded = GuardedDriver(_simulator())
    host = (await guarded.hosts())[0]
    spec = SpecFactory().machine(host, cpu_count=host.cpu_count + 1)

    with pytest.raises(NoCapacity):
        await guarded.create(spec)


async def test_an_unknown_machine_is_a_backend_failure_like_any_other():
    with pytest.raises(InternalError, match="failed to stop the machine"):
        await GuardedDriver(_simulator()).stop("no-such-instance")
    assert issubclass(MachineNotFoundError, DriverError)


async def test_once_the_lease_check_refuses_nothing_reaches_the_backend():
    inner = _simulator()
    allowed = True

    def check() -> None:
        if not allowed:
            raise Fenced

    guarded = GuardedDriver(inner, check)
    host = (await guarded.hosts())[0]
    spec = SpecFactory().machine(host)
    await guarded.create(spec)
    allowed = False

    with pytest.raises(Fenced):
        await guarded.start(spec.instance_id)

    view = inner.machine(spec.instance_id)
    assert view is not None and view.boot_count == 0
    assert guarded.capabilities == inner.capabilities and guarded.name == inner.name
