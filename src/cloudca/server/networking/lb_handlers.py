"""The load balancer rule tasks.

Each change reaches the driver first (the public IP's balancers with the change applied), then one
transaction records it under the public IP's row lock, re-checking what the request checked (the
IP's purposes and network, the port, the members' states); the (public IP, public port) constraint
refuses a racing rule. After any failure the driver gets the database's balancers again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core.claims import lock_usable_instance
from cloudca.server.core.unique import refused_as
from cloudca.server.drivers.base import LoadBalancer
from cloudca.server.errors import Duplicate, InvalidField
from cloudca.server.networking import balancing, forwarding
from cloudca.server.networking import load_balancers as service
from cloudca.server.networking.models import LoadBalancerMember, LoadBalancerRule
from cloudca.server.networking.public_ips import lock_ip
from cloudca.server.tasks.entity import EntityTask
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


async def _set_members(session: AsyncSession, rule_id: str, instance_ids: list[str]) -> None:
    """Make the rule's members exactly these instances, each still Running or Stopped (row-locked)."""
    for instance_id in instance_ids:
        await lock_usable_instance(session, instance_id)
    await session.execute(delete(LoadBalancerMember).where(LoadBalancerMember.rule_id == rule_id))
    session.add_all(
        LoadBalancerMember(rule_id=rule_id, instance_id=instance_id, position=position)
        for position, instance_id in enumerate(instance_ids)
    )
    await session.flush()


class RuleTask(EntityTask):
    """A change to one rule; the public IP's balancers on the driver follow it."""

    def ip_id(self, task: Task) -> str:
        return str(task.payload["publicIpId"])

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        """The public IP's balancers once this task's change is made."""
        raise NotImplementedError

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            current = await balancing.balancers_of(session, self.ip_id(task))
        if current is not None:
            address, rules = current
            await balancing.apply(ctx.driver, address, await self.changed(ctx, task, rules))

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await balancing.sync_balancers(ctx.database, ctx.driver, [self.ip_id(task)])

    async def backends(self, ctx: TaskContext, network_id: str, instance_ids: list[str]) -> tuple[str, ...]:
        async with ctx.database.session() as session:
            return tuple(await balancing.backends(session, network_id, instance_ids))


def _rule_view(task: Task, backends: tuple[str, ...]) -> LoadBalancer:
    payload = task.payload
    rule = LoadBalancerRule(
        id=task.entity_id,
        protocol=payload["protocol"],
        public_port=payload["publicPort"],
        private_port=payload["privatePort"],
        algorithm=payload["algorithm"],
        stickiness_method=payload["stickinessMethod"],
        stickiness_parameters=payload["stickinessPolicyParameters"],
    )
    return balancing.balancer(rule, backends)


class CreateRule(RuleTask):
    kind = "loadbalancerrules.create"

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        backends = await self.backends(ctx, task.payload["networkId"], task.payload["instanceIds"])
        return [*rules, _rule_view(task, backends)]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = task.payload
        ip = await lock_ip(session, payload["publicIpId"], "publicIpId")
        if ip.static_nat_nic_id is not None or ip.network_id not in (None, payload["networkId"]):
            raise InvalidField("publicIpId", ip.id, "the IP was bound elsewhere meanwhile")
        taken = await service.port_taken(session, ip.id, payload["publicPort"])
        if taken is not None:
            raise taken
        rule = LoadBalancerRule(
            id=task.entity_id,
            environment_id=task.environment_id,
            public_ip_id=ip.id,
            network_id=payload["networkId"],
            name=payload["name"],
            public_port=payload["publicPort"],
            private_port=payload["privatePort"],
            protocol=payload["protocol"],
            algorithm=payload["algorithm"],
            stickiness_method=payload["stickinessMethod"],
            stickiness_policy_id=payload["stickinessPolicyId"],
            stickiness_parameters=payload["stickinessPolicyParameters"],
            ssl_certificate_id=payload["sslCertificateId"],
        )
        port = str(payload["publicPort"])
        async with refused_as(
            session, Duplicate("publicPort", port, f"Port {port} of the public IP already has a rule")
        ):
            session.add(rule)
            ip.network_id = payload["networkId"]
        await _set_members(session, rule.id, payload["instanceIds"])
        return await service.represent_rule(session, rule.id)


class UpdateRule(RuleTask):
    kind = "loadbalancerrules.update"

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        algorithm = task.payload.get("algorithm")
        if algorithm is None:
            return rules
        return [replace(r, algorithm=algorithm.lower()) if r.rule_id == task.entity_id else r for r in rules]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        changes = {
            key: task.payload.get(key) for key in ("name", "algorithm") if task.payload.get(key) is not None
        }
        await session.execute(
            update(LoadBalancerRule)
            .where(LoadBalancerRule.id == task.entity_id)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
        return await service.represent_rule(session, task.entity_id)


class UpdateInstances(RuleTask):
    kind = "loadbalancerrules.updateInstances"

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        backends = await self.backends(ctx, task.payload["networkId"], task.payload["instanceIds"])
        return [replace(r, backends=backends) if r.rule_id == task.entity_id else r for r in rules]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await lock_ip(session, task.payload["publicIpId"], "publicIpId")
        await _set_members(session, task.entity_id, task.payload["instanceIds"])
        return await service.represent_rule(session, task.entity_id)


class UpdateStickiness(RuleTask):
    kind = "loadbalancerrules.updateStickiness"

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        method = task.payload["stickinessMethod"]
        parameters = tuple(sorted(task.payload["stickinessPolicyParameters"].items()))
        return [
            replace(r, stickiness_method=method, stickiness_parameters=parameters)
            if r.rule_id == task.entity_id
            else r
            for r in rules
        ]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await session.execute(
            update(LoadBalancerRule)
            .where(LoadBalancerRule.id == task.entity_id)
            .values(
                stickiness_method=task.payload["stickinessMethod"],
                stickiness_policy_id=task.payload["stickinessPolicyId"],
                stickiness_parameters=task.payload["stickinessPolicyParameters"],
            )
            .execution_options(synchronize_session=False)
        )
        return await service.represent_rule(session, task.entity_id)


class DeleteRule(RuleTask):
    kind = "loadbalancerrules.delete"

    async def changed(self, ctx: TaskContext, task: Task, rules: list[LoadBalancer]) -> list[LoadBalancer]:
        return [r for r in rules if r.rule_id != task.entity_id]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await service.represent_rule(session, task.entity_id)
        await session.execute(delete(LoadBalancerMember).where(LoadBalancerMember.rule_id == task.entity_id))
        await session.execute(delete(LoadBalancerRule).where(LoadBalancerRule.id == task.entity_id))
        await forwarding.unbind_unused(session)
        return last or task.payload.get("last")


HANDLERS: tuple[TaskHandler, ...] = (
    CreateRule(),
    UpdateRule(),
    UpdateInstances(),
    UpdateStickiness(),
    DeleteRule(),
)
