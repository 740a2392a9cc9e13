"""SSH keys, affinity groups and remote access VPNs, asynchronously (mirrors :mod:`.access`)."""

# Generated from spec_access.py by scripts/generate_sync_sdk.py: edit the source, then run it.

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, overload

from cloudca.client._base import Call
from cloudca.client._models import AffinityGroup, RemoteAccessVpn, SshKey, VpnUser
from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT, AsyncCollection, async_id_task
from cloudca.client._resources._wire import wire_body

if TYPE_CHECKING:
    from cloudca.client._async_task import AsyncTask

__all__ = ["AsyncAffinityGroups", "AsyncRemoteAccessVpns", "AsyncSshKeys", "AsyncVpnUsers"]


class AsyncSshKeys(AsyncCollection[SshKey]):
    """SSH keys (6.16), addressed by name or id."""

    _entity_type = "sshkeys"
    _model = SshKey

    @overload
    async def create(
        self,
        name: str,
        public_key: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[SshKey]: ...
    @overload
    async def create(
        self, name: str, public_key: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> SshKey: ...
    async def create(
        self, name: str, public_key: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[SshKey] | SshKey:
        """Register an OpenSSH public key under a name."""
        return await self._submit(
            self._requests.create(wire_body({"name": name, "public_key": public_key})), wait, timeout
        )

    @async_id_task
    def delete(self, name_or_id: str) -> Call[SshKey | None]:
        """Delete a key (instances keep the installed key)."""
        return self._requests.delete(name_or_id)


class AsyncAffinityGroups(AsyncCollection[AffinityGroup]):
    """Affinity groups (6.17)."""

    _entity_type = "affinitygroups"
    _model = AffinityGroup

    @overload
    async def create(
        self,
        name: str,
        *,
        description: str = "",
        type: str = "host anti-affinity",
        instance_ids: Sequence[str] | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[AffinityGroup]: ...
    @overload
    async def create(
        self,
        name: str,
        *,
        description: str = "",
        type: str = "host anti-affinity",
        instance_ids: Sequence[str] | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AffinityGroup: ...
    async def create(
        self,
        name: str,
        *,
        description: str = "",
        type: str = "host anti-affinity",
        instance_ids: Sequence[str] | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[AffinityGroup] | AffinityGroup:
        """Create an anti-affinity group."""
        return await self._submit(
            self._requests.create(
                wire_body(
                    {
                        "name": name,
                        "description": description,
                        "type": type,
                        "instance_ids": instance_ids,
                    }
                )
            ),
            wait,
            timeout,
        )

    @overload
    async def update(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instance_ids: Sequence[str] | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[AffinityGroup]: ...
    @overload
    async def update(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instance_ids: Sequence[str] | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AffinityGroup: ...
    async def update(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instance_ids: Sequence[str] | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[AffinityGroup] | AffinityGroup:
        """Change a group; ``instance_ids`` replaces its members."""
        return await self._submit(
            self._requests.update(
                group_id,
                wire_body(
                    {
                        "name": name,
                        "description": description,
                        "instance_ids": instance_ids,
                    }
                ),
            ),
            wait,
            timeout,
        )

    @async_id_task
    def delete(self, group_id: str) -> Call[AffinityGroup | None]:
        """Delete an affinity group."""
        return self._requests.delete(group_id)


class AsyncRemoteAccessVpns(AsyncCollection[RemoteAccessVpn]):
    """Remote access VPNs of VPCs (6.19)."""

    _entity_type = "remoteaccessvpns"
    _model = RemoteAccessVpn

    @async_id_task
    def enable(self, vpn_id: str) -> Call[RemoteAccessVpn]:
        """Enable the VPN."""
        return self._requests.operation(vpn_id, "enable")

    @async_id_task
    def disable(self, vpn_id: str) -> Call[RemoteAccessVpn]:
        """Disable the VPN."""
        return self._requests.operation(vpn_id, "disable")


class AsyncVpnUsers(AsyncCollection[VpnUser]):
    """Remote access VPN users (6.19)."""

    _entity_type = "vpnusers"
    _model = VpnUser

    @overload
    async def create(
        self,
        username: str,
        password: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AsyncTask[VpnUser]: ...
    @overload
    async def create(
        self, username: str, password: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> VpnUser: ...
    async def create(
        self, username: str, password: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[VpnUser] | VpnUser:
        """Create a VPN user."""
        return await self._submit(
            self._requests.create(wire_body({"username": username, "password": password})), wait, timeout
        )

    @async_id_task
    def delete(self, user_id: str) -> Call[VpnUser | None]:
        """Delete a VPN user."""
        return self._requests.delete(user_id)
