"""Public IPs, port forwarding rules and load balancer rules, asynchronously (mirrors :mod:`.public_ips`)."""

# spec: of async_public_ips.py (scripts/generate_sync_sdk.py): a method marked @task is written once,
# spec: as the builder of its call; the generated module adds wait, timeout and the typed overloads.
from __future__ import annotations

from collections.abc import Mapping, Sequence

from cloudca.client._base import Call
from cloudca.client._models import LoadBalancerRule, PortForwardingRule, PublicIp
from cloudca.client._resources._base import AsyncCollection, async_id_task, task
from cloudca.client._resources._wire import wire_body

__all__ = ["AsyncLoadBalancerRules", "AsyncPortForwardingRules", "AsyncPublicIps"]


class AsyncPublicIps(AsyncCollection[PublicIp]):
    """Public IP addresses (6.10)."""

    _entity_type = "publicipaddresses"
    _model = PublicIp

    @async_id_task
    def acquire(self, vpc_id: str) -> Call[PublicIp]:
        """Acquire a new public IP for a VPC."""
        return self._requests.create({"vpcId": vpc_id})

    @async_id_task
    def release(self, public_ip_id: str) -> Call[PublicIp | None]:
        """Release a public IP (its rules go with it)."""
        return self._requests.delete(public_ip_id)

    @task
    def enable_static_nat(self, public_ip_id: str, private_ip_id: str) -> Call[PublicIp]:
        """Map the public IP to a private IP (an instance's ``ip_address_id``)."""
        return self._requests.operation(public_ip_id, "enableStaticNat", {"privateIpId": private_ip_id})

    @async_id_task
    def disable_static_nat(self, public_ip_id: str) -> Call[PublicIp]:
        """Remove the static NAT of the public IP."""
        return self._requests.operation(public_ip_id, "disableStaticNat")


class AsyncPortForwardingRules(AsyncCollection[PortForwardingRule]):
    """Port forwarding rules (6.11)."""

    _entity_type = "portforwardingrules"
    _model = PortForwardingRule

    @task
    def create(
        self,
        public_ip_id: str,
        *,
        protocol: str,
        public_port_start: int,
        private_port_start: int,
        public_port_end: int | None = None,
        private_port_end: int | None = None,
        instance_id: str | None = None,
        private_ip_id: str | None = None,
    ) -> Call[PortForwardingRule]:
        """Forward public ports to an instance (or a private IP)."""
        return self._requests.create(
            wire_body(
                {
                    "ip_address_id": public_ip_id,
                    "protocol": protocol,
                    "public_port_start": public_port_start,
                    "private_port_start": private_port_start,
                    "public_port_end": public_port_end,
                    "private_port_end": private_port_end,
                    "instance_id": instance_id,
                    "private_ip_id": private_ip_id,
                }
            )
        )

    @async_id_task
    def delete(self, rule_id: str) -> Call[PortForwardingRule | None]:
        """Delete a port forwarding rule."""
        return self._requests.delete(rule_id)


class AsyncLoadBalancerRules(AsyncCollection[LoadBalancerRule]):
    """Load balancer rules (6.12)."""

    _entity_type = "loadbalancerrules"
    _model = LoadBalancerRule

    @task
    def create(
        self,
        name: str,
        public_ip_id: str,
        *,
        public_port: int,
        private_port: int,
        algorithm: str,
        protocol: str,
        network_id: str | None = None,
        instance_ids: Sequence[str] | None = None,
        stickiness_method: str | None = None,
        stickiness_policy_parameters: Mapping[str, str] | None = None,
    ) -> Call[LoadBalancerRule]:
        """Balance a public port over instances of a network."""
        return self._requests.create(
            wire_body(
                {
                    "name": name,
                    "public_ip_id": public_ip_id,
                    "public_port": public_port,
                    "private_port": private_port,
                    "algorithm": algorithm,
                    "protocol": protocol,
                    "network_id": network_id,
                    "instance_ids": instance_ids,
                    "stickiness_method": stickiness_method,
                    "stickiness_policy_parameters": stickiness_policy_parameters,
                }
            )
        )

    @task
    def update(
        self, rule_id: str, *, name: str | None = None, algorithm: str | None = None
    ) -> Call[LoadBalancerRule]:
        """Rename a rule or change its algorithm."""
        return self._requests.update(rule_id, wire_body({"name": name, "algorithm": algorithm}))

    @task
    def update_instances(self, rule_id: str, instance_ids: Sequence[str]) -> Call[LoadBalancerRule]:
        """Replace the balanced instances."""
        return self._requests.operation(rule_id, "updateInstances", {"instanceIds": list(instance_ids)})

    @task
    def update_stickiness(
        self, rule_id: str, stickiness_method: str, *, parameters: Mapping[str, str] | None = None
    ) -> Call[LoadBalancerRule]:
        """Set the stickiness policy (method ``none`` removes it)."""
        return self._requests.operation(
            rule_id,
            "updateStickiness",
            wire_body({"stickiness_method": stickiness_method, "stickiness_policy_parameters": parameters}),
        )

    @async_id_task
    def delete(self, rule_id: str) -> Call[LoadBalancerRule | None]:
        """Delete a load balancer rule."""
        return self._requests.delete(rule_id)
