"""The load balancer rule tasks.

Each change reaches the driver first (the public IP's balancers with the change applied), then one
transaction records it under the public IP's row lock, re-checking what the request checked (the
IP's purposes and network, the port, the members' states); the (public IP, public port) constraint
refuses a racing rule. After any failure the driver gets the database's balancers again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Generic, TypeVar

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import carry, claims, rows, unique
from cloudca.server.drivers.rules import LoadBalancer
from cloudca.server.errors import Duplicate, InvalidField
from cloudca.server.networking import balancing, forwarding
from cloudca.server.networking import load_balancers as service
from cloudca.server.networking.models import LoadBalancerMember, LoadBalancerRule
from cloudca.server.networking.payloads import (
    BalancerPayload,
    CreateRulePayload,
    MembersPayload,
    StickinessPayload,
    UpdateRulePayload,
)
from cloudca.server.networking.public_ips import lock_ip
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task

P = TypeVar("P", bound=BalancerPayload)


async def _set_members(session: AsyncSession, rule_id: str, instance_ids: tuple[str, ...]) -> None:
    """Make the rule's members exactly these instances, each still Running or Stopped (row-locked)."""
    for instance_id in instance_ids:
        await claims.lock_usable_instance(session, instance_id)
    await session.execute(delete(LoadBalancerMember).where(LoadBalancerMember.rule_id == rule_id))
    session.add_all(
        LoadBalancerMember(rule_id=rule_id, instance_id=instance_id, position=position)
        for position, instance_id in enumerate(instance_ids)
    )
    await session.flush()


class RuleTask(EntityTask, Generic[P]):
    """A change to one rule; the public IP's balancers on the driver follow it."""

    payload_type: type[P]

    def payload(self, task: Task) -> P:
        return self.payload_type.from_json(task.payload)

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        """The public IP's balancers once this task's change is made."""
        raise NotImplementedError

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            current = await balancing.balancers_of(session, self.payload(task).publicIpId)
        if current is not None:
            address, rules = current
            await balancing.apply(ctx.driver, address, await self.changed(ctx, task, rules))

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await balancing.sync_balancers(ctx.database, ctx.driver, [self.payload(task).publicIpId])

    async def backends(
        self, ctx: TaskContext, payload: MembersPayload | CreateRulePayload
    ) -> tuple[str, ...]:
        """The addresses of the rule's members from now on."""
        async with ctx.database.session() as session:
            return tuple(await balancing.backends(session, payload.networkId, payload.instanceIds))

    async def update(self, session: AsyncSession, task: Task, **values: Any) -> Any:
        await rows.update_row(session, LoadBalancerRule, task.entity_id, **values)
        return await service.represent_rule(session, task.entity_id)


def _new_rule(task: Task, payload: CreateRulePayload) -> LoadBalancerRule:
    # The members are rows of their own (``LoadBalancerMember``).
    values = carry.columns(
        payload, omit=("last", "instanceIds"), stickinessPolicyParameters="stickiness_parameters"
    )
    return LoadBalancerRule(**new_entity(task), **values)


def _edit(task: Task, rules: list[LoadBalancer], **changes: Any) -> list[LoadBalancer]:
    """The balancers with this task's rule changed."""
    return [replace(r, **changes) if r.rule_id == task.entity_id else r for r in rules]


class CreateRule(RuleTask[CreateRulePayload]):
    kind = "loadbalancerrules.create"
    payload_type = CreateRulePayload

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        payload = self.payload(task)
        return [*rules, balancing.balancer(_new_rule(task, payload), await self.backends(ctx, payload))]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = self.payload(task)
        ip = await lock_ip(session, payload.publicIpId, "publicIpId")
        if ip.static_nat_nic_id is not None or ip.network_id not in (None, payload.networkId):
            raise InvalidField("publicIpId", ip.id, "the IP was bound elsewhere meanwhile")
        taken = await service.port_taken(session, ip.id, payload.publicPort)
        if taken is not None:
            raise taken
        rule = _new_rule(task, payload)
        port = str(payload.publicPort)
        async with unique.refused_as(
            session, Duplicate("publicPort", port, f"Port {port} of the public IP already has a rule")
        ):
            session.add(rule)
            ip.network_id = payload.networkId
        await _set_members(session, rule.id, payload.instanceIds)
        return await service.represent_rule(session, rule.id)


class UpdateRule(RuleTask[UpdateRulePayload]):
    kind = "loadbalancerrules.update"
    payload_type = UpdateRulePayload

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        algorithm = self.payload(task).algorithm
        return rules if algorithm is None else _edit(task, rules, algorithm=algorithm.lower())

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = self.payload(task)
        changes = {"name": payload.name, "algorithm": payload.algorithm}
        return await self.update(session, task, **{k: v for k, v in changes.items() if v is not None})


class UpdateInstances(RuleTask[MembersPayload]):
    kind = "loadbalancerrules.updateInstances"
    payload_type = MembersPayload

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        return _edit(task, rules, backends=await self.backends(ctx, self.payload(task)))

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = self.payload(task)
        await lock_ip(session, payload.publicIpId, "publicIpId")
        await _set_members(session, task.entity_id, payload.instanceIds)
        return await service.represent_rule(session, task.entity_id)


class UpdateStickiness(RuleTask[StickinessPayload]):
    kind = "loadbalancerrules.updateStickiness"
    payload_type = StickinessPayload

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        payload = self.payload(task)
        parameters = tuple(sorted(payload.stickinessPolicyParameters.items()))
        return _edit(
            task, rules, stickiness_method=payload.stickinessMethod, stickiness_parameters=parameters
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = self.payload(task)
        return await self.update(
            session,
            task,
            stickiness_method=payload.stickinessMethod,
            stickiness_policy_id=payload.stickinessPolicyId,
            stickiness_parameters=payload.stickinessPolicyParameters,
        )


class DeleteRule(RuleTask[BalancerPayload]):
    kind = "loadbalancerrules.delete"
    payload_type = BalancerPayload

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        return [r for r in rules if r.rule_id != task.entity_id]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await service.represent_rule(session, task.entity_id)
        await session.execute(delete(LoadBalancerMember).where(LoadBalancerMember.rule_id == task.entity_id))
        await session.execute(delete(LoadBalancerRule).where(LoadBalancerRule.id == task.entity_id))
        await forwarding.unbind_unused(session)
        return last or self.payload(task).last


HANDLERS: tuple[TaskHandler, ...] = (
    CreateRule(),
    UpdateRule(),
    UpdateInstances(),
    UpdateStickiness(),
    DeleteRule(),
)
