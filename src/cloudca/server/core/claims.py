"""The checks every domain makes before it touches an instance: may this transition start now (the
request side), and is the instance still usable (inside a task, under its row lock).

Shared by instances, networking and storage; it depends only on the instance's model and states.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core.rows import lock_row
from cloudca.server.errors import EntityBusy, InvalidField, InvalidState
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance

ENTITY = "instances"


def check_transition(instance: Instance, transition: states.Transition) -> None:
    """Raise the contract's refusal when ``transition`` cannot start from the instance's state."""
    if instance.task_id is not None and instance.state not in states.TRANSITIONAL:
        raise EntityBusy(ENTITY, instance.id, instance.task_id)
    # A transitional state (with its task) refuses like a state the transition does not start from.
    if instance.task_id is not None or instance.state not in transition.allowed:
        raise InvalidState(
            transition.refusal(),
            entity_id=instance.id,
            entity_type=ENTITY,
            current_state=instance.state,
            expected_states=transition.allowed,
        )


async def lock_usable_instance(session: AsyncSession, instance_id: str) -> Instance:
    """The instance, row-locked, provided it is still Running or Stopped with no task of its own:
    what a volume, NIC or rule task re-checks in the transaction that records its change."""
    instance = await lock_row(session, Instance, instance_id)
    if instance is None:
        raise InvalidField("instanceId", instance_id, "the instance no longer exists")
    if instance.task_id is not None or instance.state not in (states.RUNNING, states.STOPPED):
        raise InvalidState(
            "The instance changed state while the task waited",
            entity_id=instance.id,
            entity_type=ENTITY,
            current_state=instance.state,
            expected_states=[states.RUNNING, states.STOPPED],
        )
    return instance
