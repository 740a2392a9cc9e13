"""Network ACLs and their rules."""

# Generated from async_acls.py by scripts/generate_sync_sdk.py: edit the source, then run it.

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from cloudca.client._base import Call
from cloudca.client._models import NetworkAcl, NetworkAclRule
from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT, Collection, id_task
from cloudca.client._resources._wire import wire_body

if TYPE_CHECKING:
    from cloudca.client._task import Task

__all__ = ["NetworkAclRules", "NetworkAcls"]


class NetworkAcls(Collection[NetworkAcl]):
    """Network ACLs (6.9)."""

    _entity_type = "networkacls"
    _model = NetworkAcl

    @overload
    def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[NetworkAcl]: ...
    @overload
    def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        *,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> NetworkAcl: ...
    def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[NetworkAcl] | NetworkAcl:
        """Create an ACL in a VPC."""
        return self._submit(
            self._requests.create(wire_body({"name": name, "description": description, "vpc_id": vpc_id})),
            wait,
            timeout,
        )

    @id_task
    def delete(self, acl_id: str) -> Call[NetworkAcl | None]:
        """Delete an ACL (and its rules) no network uses."""
        return self._requests.delete(acl_id)


class NetworkAclRules(Collection[NetworkAclRule]):
    """Rules of network ACLs (6.9)."""

    _entity_type = "networkaclrules"
    _model = NetworkAclRule

    @overload
    def create(
        self,
        network_acl_id: str,
        *,
        rule_number: int,
        cidr: str,
        action: str,
        protocol: str,
        traffic_type: str,
        start_port: int | None = None,
        end_port: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[NetworkAclRule]: ...
    @overload
    def create(
        self,
        network_acl_id: str,
        *,
        rule_number: int,
        cidr: str,
        action: str,
        protocol: str,
        traffic_type: str,
        start_port: int | None = None,
        end_port: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> NetworkAclRule: ...
    def create(
        self,
        network_acl_id: str,
        *,
        rule_number: int,
        cidr: str,
        action: str,
        protocol: str,
        traffic_type: str,
        start_port: int | None = None,
        end_port: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[NetworkAclRule] | NetworkAclRule:
        """Add a rule to an ACL (ports for TCP/UDP, type and code for ICMP)."""
        return self._submit(
            self._requests.create({"networkAclId": network_acl_id, **_rule(locals())}), wait, timeout
        )

    @overload
    def update(
        self,
        rule_id: str,
        *,
        rule_number: int | None = None,
        cidr: str | None = None,
        action: str | None = None,
        protocol: str | None = None,
        traffic_type: str | None = None,
        start_port: int | None = None,
        end_port: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[NetworkAclRule]: ...
    @overload
    def update(
        self,
        rule_id: str,
        *,
        rule_number: int | None = None,
        cidr: str | None = None,
        action: str | None = None,
        protocol: str | None = None,
        traffic_type: str | None = None,
        start_port: int | None = None,
        end_port: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> NetworkAclRule: ...
    def update(
        self,
        rule_id: str,
        *,
        rule_number: int | None = None,
        cidr: str | None = None,
        action: str | None = None,
        protocol: str | None = None,
        traffic_type: str | None = None,
        start_port: int | None = None,
        end_port: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[NetworkAclRule] | NetworkAclRule:
        """Change fields of a rule."""
        return self._submit(self._requests.update(rule_id, _rule(locals())), wait, timeout)

    @id_task
    def delete(self, rule_id: str) -> Call[NetworkAclRule | None]:
        """Delete a rule."""
        return self._requests.delete(rule_id)


#: The fields a rule is written with, by the names ``create`` and ``update`` take them: the model's,
#: but those the server sets.
_RULE_FIELDS = [name for name in NetworkAclRule.model_fields if name not in {"id", "network_acl_id", "state"}]


def _rule(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's fields on the wire, taken by name from the arguments of ``create`` or ``update`` (their
    ``locals()``), those given: a create sends them all, an update the changed ones."""
    return wire_body({field: arguments[field] for field in _RULE_FIELDS})
