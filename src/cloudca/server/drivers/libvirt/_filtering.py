"""Network ACLs and load balancers of the libvirt driver: enforced in nftables, and remembered.

The kernel's table is what is enforced (_acl.py, _balancer.py); the copy kept here in memory is
what the last calls gave, for ``network_acl`` and ``load_balancers`` (the contract suite's probe),
and is not kept across a restart (the kernel's rules are). Each change is checked first, with the
simulator's checks, so that the control plane sees the same refusals from either driver, and is
recorded only once the kernel took it: a refused change leaves both as they were.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from cloudca.server.drivers.rules import AclRule, LoadBalancer

# The simulator's checks of well-formed rules (a backend-neutral module of it).
from cloudca.server.drivers.simulator._validation import check_acl_rules, check_load_balancers

from . import _acl, _balancer
from ._firewall import Firewall


class NetworkRules:
    """The rules last applied per network and per public IP."""

    def __init__(self, firewall: Firewall) -> None:
        self._firewall = firewall
        self._acls: dict[str, tuple[AclRule, ...]] = {}
        self._balancers: dict[str, tuple[LoadBalancer, ...]] = {}

    async def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        if rules is not None:
            check_acl_rules(network_id, cidr, rules)
        await self._firewall.change(functools.partial(_acl.replace_commands, network_id, cidr, rules))
        if rules is None:
            self._acls.pop(network_id, None)
        else:
            self._acls[network_id] = tuple(sorted(rules, key=lambda rule: rule.rule_number))

    async def set_load_balancing(self, public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
        check_load_balancers(public_ip, balancers)
        _balancer.check_supported(balancers)
        await self._firewall.change(functools.partial(_balancer.replace_commands, public_ip, balancers))
        if balancers:
            self._balancers[public_ip] = tuple(balancers)
        else:
            self._balancers.pop(public_ip, None)

    def network_acl(self, network_id: str) -> tuple[AclRule, ...] | None:
        return self._acls.get(network_id)

    def load_balancers(self, public_ip: str) -> tuple[LoadBalancer, ...]:
        return self._balancers.get(public_ip, ())
