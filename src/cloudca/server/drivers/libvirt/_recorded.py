"""Network ACLs and load balancers that the libvirt driver records but does not enforce yet.

``capabilities.enforces_network_acls`` and ``balances_load`` are false until nftables filtering and
a real balancer replace this book-keeping; it refuses what the simulator refuses, so the control
plane sees the same answers from either driver, and it is not kept across a restart.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudca.server.drivers.base import AclRule, LoadBalancer

# The same refusals as the simulator's, until these are enforced here (then they move to a shared module).
from cloudca.server.drivers.simulator._validation import check_acl_rules, check_load_balancers


class RecordedFiltering:
    """The rules last pushed per network and per public IP, in memory."""

    def __init__(self) -> None:
        self._acls: dict[str, tuple[AclRule, ...]] = {}
        self._balancers: dict[str, tuple[LoadBalancer, ...]] = {}

    def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        if rules is None:
            self._acls.pop(network_id, None)
            return
        check_acl_rules(network_id, cidr, rules)
        self._acls[network_id] = tuple(sorted(rules, key=lambda rule: rule.rule_number))

    def set_load_balancing(self, public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
        check_load_balancers(public_ip, balancers)
        if balancers:
            self._balancers[public_ip] = tuple(balancers)
        else:
            self._balancers.pop(public_ip, None)

    def network_acl(self, network_id: str) -> tuple[AclRule, ...] | None:
        return self._acls.get(network_id)

    def load_balancers(self, public_ip: str) -> tuple[LoadBalancer, ...]:
        return self._balancers.get(public_ip, ())
