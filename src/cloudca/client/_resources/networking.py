"""VPCs and networks."""

# Generated from async_networking.py by scripts/generate_sync_sdk.py: edit the source, then run it.

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

from cloudca.client._base import Call
from cloudca.client._models import Network, Vpc
from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT, Collection, id_task
from cloudca.client._resources._wire import wire_body

if TYPE_CHECKING:
    from cloudca.client._task import Task

__all__ = ["Networks", "Vpcs"]


class Vpcs(Collection[Vpc]):
    """Virtual private clouds (6.7)."""

    _entity_type = "vpcs"
    _model = Vpc

    @overload
    def create(
        self,
        name: str,
        description: str,
        vpc_offering_id: str,
        *,
        zone_id: str | None = None,
        network_domain: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Vpc]: ...
    @overload
    def create(
        self,
        name: str,
        description: str,
        vpc_offering_id: str,
        *,
        zone_id: str | None = None,
        network_domain: str | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Vpc: ...
    def create(
        self,
        name: str,
        description: str,
        vpc_offering_id: str,
        *,
        zone_id: str | None = None,
        network_domain: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Vpc] | Vpc:
        """Create a VPC (it gets a source NAT public IP)."""
        return self._submit(
            self._requests.create(
                wire_body(
                    {
                        "name": name,
                        "description": description,
                        "vpc_offering_id": vpc_offering_id,
                        "zone_id": zone_id,
                        "network_domain": network_domain,
                    }
                )
            ),
            wait,
            timeout,
        )

    @overload
    def update(
        self,
        vpc_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Vpc]: ...
    @overload
    def update(
        self,
        vpc_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Vpc: ...
    def update(
        self,
        vpc_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Vpc] | Vpc:
        """Rename a VPC or change its description."""
        return self._submit(
            self._requests.update(vpc_id, wire_body({"name": name, "description": description})),
            wait,
            timeout,
        )

    @id_task
    def delete(self, vpc_id: str) -> Call[Vpc | None]:
        """Delete a VPC that has no networks left."""
        return self._requests.delete(vpc_id)

    @id_task
    def restart(self, vpc_id: str) -> Call[Vpc]:
        """Restart the VPC's router."""
        return self._requests.operation(vpc_id, "restart")


class Networks(Collection[Network]):
    """Networks (tiers) of a VPC (6.8)."""

    _entity_type = "networks"
    _model = Network

    @overload
    def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        network_offering_id: str,
        network_acl_id: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Network]: ...
    @overload
    def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        network_offering_id: str,
        network_acl_id: str,
        *,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Network: ...
    def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        network_offering_id: str,
        network_acl_id: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Network] | Network:
        """Create a network in a VPC."""
        return self._submit(
            self._requests.create(
                wire_body(
                    {
                        "name": name,
                        "description": description,
                        "vpc_id": vpc_id,
                        "network_offering_id": network_offering_id,
                        "network_acl_id": network_acl_id,
                    }
                )
            ),
            wait,
            timeout,
        )

    @overload
    def update(
        self,
        network_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Network]: ...
    @overload
    def update(
        self,
        network_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Network: ...
    def update(
        self,
        network_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Network] | Network:
        """Rename a network or change its description."""
        return self._submit(
            self._requests.update(network_id, wire_body({"name": name, "description": description})),
            wait,
            timeout,
        )

    @id_task
    def delete(self, network_id: str) -> Call[Network | None]:
        """Delete a network no instance uses."""
        return self._requests.delete(network_id)

    @overload
    def replace_acl(
        self,
        network_id: str,
        network_acl_id: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Network]: ...
    @overload
    def replace_acl(
        self,
        network_id: str,
        network_acl_id: str,
        *,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Network: ...
    def replace_acl(
        self,
        network_id: str,
        network_acl_id: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[Network] | Network:
        """Give the network another ACL."""
        return self._submit(
            self._requests.operation(network_id, "replace", {"networkAclId": network_acl_id}), wait, timeout
        )
