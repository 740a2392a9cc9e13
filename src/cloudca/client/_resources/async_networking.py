"""VPCs and networks, asynchronously (mirrors :mod:`.networking`)."""

# Generated from spec_networking.py by scripts/generate_sync_sdk.py: edit the source, then run it.

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

from cloudca.client._base import Call
from cloudca.client._models import Network, Vpc
from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT, AsyncCollection, async_id_task
from cloudca.client._resources._wire import wire_body

if TYPE_CHECKING:
    from cloudca.client._async_task import AsyncTask

__all__ = ["AsyncNetworks", "AsyncVpcs"]


class AsyncVpcs(AsyncCollection[Vpc]):
    """Virtual private clouds (6.7)."""

    _entity_type = "vpcs"
    _model = Vpc

    @overload
    async def create(
        self,
        name: str,
        description: str,
        vpc_offering_id: str,
        *,
        zone_id: str | None = None,
        network_domain: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Vpc]: ...
    @overload
    async def create(
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
    async def create(
        self,
        name: str,
        description: str,
        vpc_offering_id: str,
        *,
        zone_id: str | None = None,
        network_domain: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Vpc] | Vpc:
        """Create a VPC (it gets a source NAT public IP)."""
        return await self._submit(
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
    async def update(
        self,
        vpc_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Vpc]: ...
    @overload
    async def update(
        self,
        vpc_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Vpc: ...
    async def update(
        self,
        vpc_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Vpc] | Vpc:
        """Rename a VPC or change its description."""
        return await self._submit(
            self._requests.update(vpc_id, wire_body({"name": name, "description": description})),
            wait,
            timeout,
        )

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

    @overload
    async def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        network_offering_id: str,
        network_acl_id: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Network]: ...
    @overload
    async def create(
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
    async def create(
        self,
        name: str,
        description: str,
        vpc_id: str,
        network_offering_id: str,
        network_acl_id: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Network] | Network:
        """Create a network in a VPC."""
        return await self._submit(
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
    async def update(
        self,
        network_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Network]: ...
    @overload
    async def update(
        self,
        network_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Network: ...
    async def update(
        self,
        network_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Network] | Network:
        """Rename a network or change its description."""
        return await self._submit(
            self._requests.update(network_id, wire_body({"name": name, "description": description})),
            wait,
            timeout,
        )

    @async_id_task
    def delete(self, network_id: str) -> Call[Network | None]:
        """Delete a network no instance uses."""
        return self._requests.delete(network_id)

    @overload
    async def replace_acl(
        self,
        network_id: str,
        network_acl_id: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Network]: ...
    @overload
    async def replace_acl(
        self,
        network_id: str,
        network_acl_id: str,
        *,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Network: ...
    async def replace_acl(
        self,
        network_id: str,
        network_acl_id: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[Network] | Network:
        """Give the network another ACL."""
        return await self._submit(
            self._requests.operation(network_id, "replace", {"networkAclId": network_acl_id}), wait, timeout
        )
