"""VPCs and networks, asynchronously (mirrors :mod:`.networking`)."""

# spec: of async_networking.py (scripts/generate_sync_sdk.py): a method marked @task is written once,
# spec: as the builder of its call; the generated module adds wait, timeout and the typed overloads.
from __future__ import annotations

from cloudca.client._base import Call
from cloudca.client._models import Network, Vpc
from cloudca.client._resources._base import AsyncCollection, async_id_task, task
from cloudca.client._resources._wire import wire_body

__all__ = ["AsyncNetworks", "AsyncVpcs"]


class AsyncVpcs(AsyncCollection[Vpc]):
    """Virtual private clouds (6.7)."""

    _entity_type = "vpcs"
    _model = Vpc

    @task
    def create(
        self,
        name: str,
        description: str,
        vpc_offering_id: str,
        *,
        zone_id: str | None = None,
        network_domain: str | None = None,
    ) -> Call[Vpc]:
        """Create a VPC (it gets a source NAT public IP)."""
        return self._requests.create(
            wire_body(
                {
                    "name": name,
                    "description": description,
                    "vpc_offering_id": vpc_offering_id,
                    "zone_id": zone_id,
                    "network_domain": network_domain,
                }
            )
        )

    @task
    def update(self, vpc_id: str, *, name: str | None = None, description: str | None = None) -> Call[Vpc]:
        """Rename a VPC or change its description."""
        return self._requests.update(vpc_id, wire_body({"name": name, "description": description}))

    @async_id_task
    def delete(self, vpc_id: str) -> Call[Vpc | None]:
        """Delete a VPC that has no networks left."""
        return self._requests.delete(vpc_id)

    @async_id_task
    def restart(self, vpc_id: str) -> Call[Vpc]:
        """Restart the VPC's router."""
        return self._requests.operation(vpc_id, "restart")


class AsyncNetworks(AsyncCollection[Network]):
    """Networks (tiers) of a VPC (6.8)."""

    _entity_type = "networks"
    _model = Network

    @task
    def create(
        self, name: str, description: str, vpc_id: str, network_offering_id: str, network_acl_id: str
    ) -> Call[Network]:
        """Create a network in a VPC."""
        return self._requests.create(
            wire_body(
                {
                    "name": name,
                    "description": description,
                    "vpc_id": vpc_id,
                    "network_offering_id": network_offering_id,
                    "network_acl_id": network_acl_id,
                }
            )
        )

    @task
    def update(
        self, network_id: str, *, name: str | None = None, description: str | None = None
    ) -> Call[Network]:
        """Rename a network or change its description."""
        return self._requests.update(network_id, wire_body({"name": name, "description": description}))

    @async_id_task
    def delete(self, network_id: str) -> Call[Network | None]:
        """Delete a network no instance uses."""
        return self._requests.delete(network_id)

    @task
    def replace_acl(self, network_id: str, network_acl_id: str) -> Call[Network]:
        """Give the network another ACL."""
        return self._requests.operation(network_id, "replace", {"networkAclId": network_acl_id})
