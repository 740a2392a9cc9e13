"""Network ACLs and their rules (API-CONTRACT 6.9): representations, reads, and the checks of every
mutation, made before its task exists so that a refused request changes nothing.

The built-in ``default_allow`` and ``default_deny`` are shared by every environment and cannot be
changed; their two rules each are fixed, so they are not stored but made here, with ids derived
from the ACL's. Numbers are emitted as strings (8.24); client-supplied words (``action``,
``protocol``, ``trafficType``) are echoed as supplied and compared case-insensitively.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.carry import fields_of, wire_columns
from cloudca.server.core.fields import not_one_of
from cloudca.server.core.payloads import Payload
from cloudca.server.core.rows import field_row
from cloudca.server.drivers.rules import AclRule
from cloudca.server.errors import (
    Duplicate,
    EntityInUse,
    InvalidField,
    MissingField,
    NotFound,
    ServiceError,
    ValidationErrors,
)
from cloudca.server.networking.models import Network, NetworkAcl, NetworkAclRule, Vpc
from cloudca.server.networking.schemas import CreateAcl, CreateAclRule, UpdateAclRule

ACLS = "networkacls"
RULES = "networkaclrules"
ACTIONS = ("allow", "deny")
PROTOCOLS = ("tcp", "udp", "icmp", "all")
TRAFFIC_TYPES = ("ingress", "egress")
_BUILTIN_RULES = uuid.UUID("5b0e1f3c-2d8a-4f57-9c61-0a7d3e9b4c21")

# -- representations -----------------------------------------------------------------------------


#: The representation: each field and the column it is, all sortable. Only ``vpcId`` may be
#: absent (the built-ins have no VPC).
ACL_FIELDS = wire_columns(NetworkAcl, "id", "name", "description", "vpcId")


def represent_acl(acl: NetworkAcl) -> dict[str, Any]:
    return {name: value for name, value in fields_of(acl, ACL_FIELDS).items() if value is not None}


def represent_rule(rule: NetworkAclRule) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": rule.id,
        "networkAclId": rule.network_acl_id,
        "ruleNumber": str(rule.rule_number),
        "cidr": rule.cidr,
        "action": rule.action,
        "protocol": rule.protocol,
        "trafficType": rule.traffic_type,
        "state": rule.state,
    }
    for key, value in (
        ("startPort", rule.start_port),
        ("endPort", rule.end_port),
        ("icmpType", rule.icmp_type),
        ("icmpCode", rule.icmp_code),
    ):
        if value is not None:
            body[key] = str(value)
    return body


def builtin_rules(acl: NetworkAcl) -> list[NetworkAclRule]:
    """The fixed rules of a built-in ACL: all ingress (1), then all egress (2), allowed or denied."""
    action = "Allow" if acl.name == "default_allow" else "Deny"
    return [
        NetworkAclRule(
            id=str(uuid.uuid5(_BUILTIN_RULES, f"{acl.id}:{number}")),
            network_acl_id=acl.id,
            rule_number=number,
            cidr="0.0.0.0/0",
            action=action,
            protocol="ALL",
            traffic_type=traffic,
            state="Active",
        )
        for number, traffic in ((1, "Ingress"), (2, "Egress"))
    ]


def driver_rule(rule: NetworkAclRule) -> AclRule:
    """The driver's view of a rule: its words normalised to lower case."""
    return AclRule(
        rule_id=rule.id,
        rule_number=rule.rule_number,
        action=rule.action.lower(),
        protocol=rule.protocol.lower(),
        traffic_type=rule.traffic_type.lower(),
        cidr=rule.cidr,
        start_port=rule.start_port,
        end_port=rule.end_port,
        icmp_type=rule.icmp_type,
        icmp_code=rule.icmp_code,
    )


# -- reads ---------------------------------------------------------------------------------------


def visible(scope: EnvironmentScope) -> Any:
    return or_(NetworkAcl.builtin.is_(True), NetworkAcl.environment_id == scope.id)


async def get_acl(session: AsyncSession, scope: EnvironmentScope, acl_id: str) -> NetworkAcl:
    """The ACL named in the path (a built-in or one of this environment), or 404."""
    acl = await session.get(NetworkAcl, acl_id.lower(), populate_existing=True)
    if acl is None or not (acl.builtin or acl.environment_id == scope.id):
        raise NotFound(ACLS, acl_id, f"No network ACL with id {acl_id}")
    return acl


async def rules_of(session: AsyncSession, acl: NetworkAcl) -> list[NetworkAclRule]:
    """An ACL's rules in evaluation order."""
    if acl.builtin:
        return builtin_rules(acl)
    rows = await session.execute(
        select(NetworkAclRule)
        .where(NetworkAclRule.network_acl_id == acl.id)
        .order_by(NetworkAclRule.rule_number)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def find_rule(session: AsyncSession, scope: EnvironmentScope, rule_id: str) -> NetworkAclRule:
    """The rule named in the path (also a built-in ACL's), or 404."""
    rule = await session.get(NetworkAclRule, rule_id.lower(), populate_existing=True)
    if rule is not None and rule.environment_id == scope.id:
        return rule
    builtins = (await session.execute(select(NetworkAcl).where(NetworkAcl.builtin.is_(True)))).scalars()
    for acl in builtins:
        for candidate in builtin_rules(acl):
            if candidate.id == rule_id.lower():
                return candidate
    raise NotFound(RULES, rule_id, f"No network ACL rule with id {rule_id}")


async def represent_rule_by_id(session: AsyncSession, rule_id: str) -> dict[str, Any] | None:
    rule = await session.get(NetworkAclRule, rule_id, populate_existing=True)
    return represent_rule(rule) if rule is not None else None


async def networks_using(session: AsyncSession, acl_id: str) -> list[str]:
    rows = await session.execute(
        select(Network.id).where(Network.network_acl_id == acl_id).order_by(Network.created_at)
    )
    return list(rows.scalars())


# -- task payloads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateAclPayload(Payload):
    """``networkacls.create``."""

    name: str
    description: str
    vpcId: str


@dataclass(frozen=True)
class RulePayload(Payload):
    """``networkaclrules.create``, ``.update`` (the rule's fields, checked) and ``.delete`` (only the
    ACL and the rule's last representation): every rule task needs its ACL, whose networks'
    filtering follows it."""

    networkAclId: str
    ruleNumber: int = 0
    cidr: str = ""
    action: str = ""
    protocol: str = ""
    trafficType: str = ""
    startPort: int | None = None
    endPort: int | None = None
    icmpType: int | None = None
    icmpCode: int | None = None
    last: dict[str, Any] | None = None

    def columns(self) -> dict[str, Any]:
        """The rule's stored columns."""
        return {
            "rule_number": self.ruleNumber,
            "cidr": self.cidr,
            "action": self.action,
            "protocol": self.protocol,
            "traffic_type": self.trafficType,
            "start_port": self.startPort,
            "end_port": self.endPort,
            "icmp_type": self.icmpType,
            "icmp_code": self.icmpCode,
        }

    def rule(self, rule_id: str) -> NetworkAclRule:
        """The rule these fields describe (not added to any session)."""
        return NetworkAclRule(id=rule_id, network_acl_id=self.networkAclId, **self.columns())


# -- checks --------------------------------------------------------------------------------------


async def check_create_acl(
    session: AsyncSession, scope: EnvironmentScope, body: CreateAcl
) -> CreateAclPayload:
    vpc = await field_row(session, Vpc, scope.id, body.vpcId, "vpcId", "VPC")
    return CreateAclPayload(body.name, body.description, vpc.id)


def _refuse_builtin(acl_id: str, what: str) -> InvalidField:
    return InvalidField("id", acl_id, f"the built-in ACLs cannot be changed ({what})")


async def check_delete_acl(session: AsyncSession, acl: NetworkAcl) -> None:
    if acl.builtin:
        raise _refuse_builtin(acl.id, "delete")
    users = await networks_using(session, acl.id)
    if users:
        raise EntityInUse(
            "Networks still use the ACL; give them another first",
            entity_type=ACLS,
            entity_id=acl.id,
            dependants=users,
        )


def check_delete_rule(rule: NetworkAclRule) -> RulePayload:
    """Refused for a built-in ACL's rules; the task needs the rule's ACL (its networks' filtering
    follows) and the rule's representation."""
    if rule.environment_id is None:
        raise _refuse_builtin(rule.id, "delete a rule")
    return RulePayload(rule.network_acl_id, last=represent_rule(rule))


def _word(field: str, value: str, allowed: tuple[str, ...]) -> ServiceError | None:
    """ACL words are listed in upper case, as the contract writes them."""
    return not_one_of(field, value, allowed, shown=[word.upper() for word in allowed])


def check_rule_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Validate a rule's complete set of fields (create, or an update merged onto the rule).

    Ports go with TCP/UDP and are required there; ICMP type and code go with ICMP, where an absent
    one is 0 (the Go client omits zeros, contract 0.3). Returns the fields as stored.
    """
    problems = [
        problem
        for problem in (
            _word("action", values["action"], ACTIONS),
            _word("protocol", values["protocol"], PROTOCOLS),
            _word("trafficType", values["trafficType"], TRAFFIC_TYPES),
        )
        if problem is not None
    ]
    try:
        ipaddress.IPv4Network(values["cidr"], strict=False)
    except ValueError:
        problems.append(InvalidField("cidr", values["cidr"], "must be an IPv4 CIDR such as 0.0.0.0/0"))
    protocol = values["protocol"].lower()
    ports = {key: values.get(key) for key in ("startPort", "endPort")}
    icmp = {key: values.get(key) for key in ("icmpType", "icmpCode")}
    if protocol in ("tcp", "udp"):
        problems += [MissingField(key) for key, value in ports.items() if value is None]
        start, end = ports["startPort"], ports["endPort"]
        if start is not None and end is not None and end < start:
            problems.append(InvalidField("endPort", end, "must not be below startPort"))
    else:
        problems += [
            InvalidField(key, value, "ports go only with TCP or UDP")
            for key, value in ports.items()
            if value is not None
        ]
    if protocol == "icmp":
        icmp = {key: 0 if value is None else value for key, value in icmp.items()}
    else:
        problems += [
            InvalidField(key, value, "ICMP type and code go only with ICMP")
            for key, value in icmp.items()
            if value is not None
        ]
    if problems:
        raise ValidationErrors(problems)
    return {
        "ruleNumber": values["ruleNumber"],
        "cidr": values["cidr"],
        "action": values["action"],
        "protocol": values["protocol"],
        "trafficType": values["trafficType"],
        **ports,
        **icmp,
    }


async def _number_taken(session: AsyncSession, acl_id: str, number: int, rule_id: str | None) -> bool:
    query = select(NetworkAclRule.id).where(
        NetworkAclRule.network_acl_id == acl_id, NetworkAclRule.rule_number == number
    )
    if rule_id is not None:
        query = query.where(NetworkAclRule.id != rule_id)
    return (await session.execute(query.limit(1))).first() is not None


def number_taken(number: int) -> Duplicate:
    return Duplicate("ruleNumber", str(number), f"The ACL already has a rule number {number}")


async def check_create_rule(
    session: AsyncSession, scope: EnvironmentScope, body: CreateAclRule
) -> RulePayload:
    acl = await session.get(NetworkAcl, body.networkAclId)
    if acl is None or not (acl.builtin or acl.environment_id == scope.id):
        raise InvalidField("networkAclId", body.networkAclId, "no such network ACL in this environment")
    if acl.builtin:
        raise InvalidField("networkAclId", acl.id, "the built-in ACLs cannot be changed")
    fields = check_rule_fields(body.model_dump())
    if await _number_taken(session, acl.id, fields["ruleNumber"], None):
        raise number_taken(fields["ruleNumber"])
    return RulePayload(networkAclId=acl.id, **fields)


async def check_update_rule(session: AsyncSession, rule: NetworkAclRule, body: UpdateAclRule) -> RulePayload:
    if rule.environment_id is None:
        raise _refuse_builtin(rule.id, "update")
    current = {
        "ruleNumber": rule.rule_number,
        "cidr": rule.cidr,
        "action": rule.action,
        "protocol": rule.protocol,
        "trafficType": rule.traffic_type,
        "startPort": rule.start_port,
        "endPort": rule.end_port,
        "icmpType": rule.icmp_type,
        "icmpCode": rule.icmp_code,
    }
    changes = body.model_dump(exclude_none=True)
    new_protocol = changes.get("protocol", rule.protocol).lower()
    old_protocol = rule.protocol.lower()
    if new_protocol != old_protocol and {new_protocol, old_protocol} != {"tcp", "udp"}:
        raise InvalidField(
            "protocol", changes["protocol"], "a rule's protocol can only change between TCP and UDP"
        )
    fields = check_rule_fields({**current, **changes})
    if await _number_taken(session, rule.network_acl_id, fields["ruleNumber"], rule.id):
        raise number_taken(fields["ruleNumber"])
    return RulePayload(networkAclId=rule.network_acl_id, **fields)
