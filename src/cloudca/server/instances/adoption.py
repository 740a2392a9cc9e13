"""Telling the driver which machines the database says exist: at start, and before a task on an
instance runs in a process that may not know its machine.

A driver over a shared backend (libvirt) already knows every machine; the simulator keeps its books
in its process, so it adopts machines as the database describes them (see its LIMITATIONS).
"""

from __future__ import annotations

from sqlalchemy import select

from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver, KnownMachine, PowerState
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.placement.models import Host
from cloudca.server.tasks.models import Task


async def adopt_task_entity(database: Database, driver: ComputeDriver, task: Task) -> None:
    """Before a task on an instance runs (or is repaired), make sure the driver knows its machine.

    With several processes on one database, a machine may have been created by another process.
    A driver over a shared backend (libvirt) already knows it, and this costs one ``power_state``
    call; the simulator keeps its books in its process, so it adopts the machine as the database
    describes it (see the simulator's LIMITATIONS: books of different processes may disagree).
    """
    if task.entity_type != "instances":
        return
    if task.kind == "instances.create" and task.attempts <= 1:
        # A create's first run, in the process that accepted it: its machine does not exist yet
        # anywhere (placement comes later), so there is nothing to adopt and no query to make.
        return
    if await driver.power_state(task.entity_id) is not None:
        return
    machines = await known_machines(database, task.entity_id)
    if machines:
        await driver.adopt(machines)


async def known_machines(database: Database, instance_id: str | None = None) -> list[KnownMachine]:
    """Every machine the database says exists (or just ``instance_id``'s), for the driver to adopt."""
    async with database.session() as session:
        query = select(
            Instance.id, Host.name, Instance.stable_state, Instance.cpu_count, Instance.memory_mb
        ).join(Host, Host.id == Instance.host_id)
        if instance_id is not None:
            query = query.where(Instance.id == instance_id)
        rows = await session.execute(query)
        return [
            KnownMachine(
                instance_id=instance_id,
                host_name=host_name,
                power_state=PowerState.RUNNING if stable_state == states.RUNNING else PowerState.STOPPED,
                cpu_count=cpu_count,
                memory_mb=memory_mb,
            )
            for instance_id, host_name, stable_state, cpu_count, memory_mb in rows
        ]
