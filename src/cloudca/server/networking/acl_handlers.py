"""The network ACL and ACL rule tasks.

A rule change reaches the driver first, for every network using the ACL (its rules with the change
applied), then one transaction records it; the rule-number constraint refuses a race there. After
any failure each of those networks gets the database's rules again (``filtering.sync_networks``).
ACL create and delete are database only: a new ACL has no network yet, a deleted one had none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import carry, payloads, rows, unique
from cloudca.server.drivers.rules import AclRule
from cloudca.server.errors import InvalidField
from cloudca.server.networking import acls, filtering
from cloudca.server.networking.models import Network, NetworkAcl, NetworkAclRule
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


class CreateAcl(EntityTask):
    kind = "networkacls.create"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = acls.CreateAclPayload.from_json(task.payload)
        acl = NetworkAcl(**new_entity(task), **carry.columns(payload))
        session.add(acl)
        await session.flush()  # the VPC's foreign key refuses a VPC deleted meanwhile
        return acls.represent_acl(acl)


class DeleteAcl(EntityTask):
    kind = "networkacls.delete"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        acl = await session.get(NetworkAcl, task.entity_id)
        last = acls.represent_acl(acl) if acl is not None else payloads.Deleted.from_json(task.payload).last
        used = await session.execute(
            select(Network.id).where(Network.network_acl_id == task.entity_id).limit(1)
        )
        if used.first() is not None:
            raise InvalidField("id", task.entity_id, "a network started using the ACL meanwhile")
        await session.execute(delete(NetworkAclRule).where(NetworkAclRule.network_acl_id == task.entity_id))
        await session.execute(
            delete(NetworkAcl).where(NetworkAcl.id == task.entity_id, NetworkAcl.builtin.is_(False))
        )
        return last


class RuleTask(EntityTask):
    """A change to one rule of an ACL whose networks' filtering follows it."""

    def payload(self, task: Task) -> acls.RulePayload:
        return acls.RulePayload.from_json(task.payload)

    def edit(self, task: Task, rules: list[AclRule]) -> list[AclRule]:
        raise NotImplementedError

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            networks = await acls.networks_using(session, self.payload(task).networkAclId)
        for network_id in networks:
            await filtering.push_network_acl(
                ctx.database, ctx.driver, network_id, edit=lambda rules: self.edit(task, rules)
            )

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            networks = await acls.networks_using(session, self.payload(task).networkAclId)
        await filtering.sync_networks(ctx.database, ctx.driver, networks)


class CreateAclRule(RuleTask):
    kind = "networkaclrules.create"

    def edit(self, task: Task, rules: list[AclRule]) -> list[AclRule]:
        return [*rules, acls.driver_rule(self.payload(task).rule(task.entity_id))]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = self.payload(task)
        rule = payload.rule(task.entity_id)
        assert task.environment_id is not None
        rule.environment_id = task.environment_id
        async with unique.refused_as(session, acls.number_taken(payload.ruleNumber)):
            session.add(rule)
        return acls.represent_rule(rule)


class UpdateAclRule(RuleTask):
    kind = "networkaclrules.update"

    def edit(self, task: Task, rules: list[AclRule]) -> list[AclRule]:
        changed = acls.driver_rule(self.payload(task).rule(task.entity_id))
        return [changed if rule.rule_id == task.entity_id else rule for rule in rules]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = self.payload(task)
        async with unique.refused_as(session, acls.number_taken(payload.ruleNumber)):
            changed = await rows.update_row(session, NetworkAclRule, task.entity_id, **payload.columns())
        if not changed:
            raise InvalidField("id", task.entity_id, "the rule was deleted meanwhile")
        return await acls.represent_rule_by_id(session, task.entity_id)


class DeleteAclRule(RuleTask):
    kind = "networkaclrules.delete"

    def edit(self, task: Task, rules: list[AclRule]) -> list[AclRule]:
        return [rule for rule in rules if rule.rule_id != task.entity_id]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await acls.represent_rule_by_id(session, task.entity_id)
        await session.execute(delete(NetworkAclRule).where(NetworkAclRule.id == task.entity_id))
        return last or self.payload(task).last


HANDLERS: tuple[TaskHandler, ...] = (
    CreateAcl(),
    DeleteAcl(),
    CreateAclRule(),
    UpdateAclRule(),
    DeleteAclRule(),
)
