"""SSH keys, affinity groups and remote access VPNs, asynchronously (mirrors :mod:`.access`)."""

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, overload

from cloudca.client._models import AffinityGroup, RemoteAccessVpn, SshKey, VpnUser
from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT, AsyncResource, Requests, wire_body

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient
    from cloudca.client._task import AsyncTask

__all__ = ["AsyncAffinityGroups", "AsyncRemoteAccessVpns", "AsyncSshKeys", "AsyncVpnUsers"]


class AsyncSshKeys(AsyncResource[SshKey]):
    """SSH keys (6.16), addressed by name or id."""

    def __init__(self, client: AsyncClient, prefix: str) -> None:
        super().__init__(client, Requests(prefix, "sshkeys", SshKey))

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

    @overload
    async def delete(
        self, name_or_id: str, *, wait: Literal[False] = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[SshKey | None]: ...
    @overload
    async def delete(
        self, name_or_id: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> SshKey | None: ...
    async def delete(
        self, name_or_id: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[SshKey | None] | SshKey | None:
        """Delete a key (instances keep the installed key)."""
        return await self._submit(self._requests.delete(name_or_id), wait, timeout)


class AsyncAffinityGroups(AsyncResource[AffinityGroup]):
    """Affinity groups (6.17)."""

    def __init__(self, client: AsyncClient, prefix: str) -> None:
        super().__init__(client, Requests(prefix, "affinitygroups", AffinityGroup))

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
                        "instance_ids": list(instance_ids) if instance_ids is not None else None,
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
                        "instance_ids": list(instance_ids) if instance_ids is not None else None,
                    }
                ),
            ),
            wait,
            timeout,
        )

    @overload
    async def delete(
        self, group_id: str, *, wait: Literal[False] = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[AffinityGroup | None]: ...
    @overload
    async def delete(
        self, group_id: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AffinityGroup | None: ...
    async def delete(
        self, group_id: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[AffinityGroup | None] | AffinityGroup | None:
        """Delete an affinity group."""
        return await self._submit(self._requests.delete(group_id), wait, timeout)


class AsyncRemoteAccessVpns(AsyncResource[RemoteAccessVpn]):
    """Remote access VPNs of VPCs (6.19)."""

    def __init__(self, client: AsyncClient, prefix: str) -> None:
        super().__init__(client, Requests(prefix, "remoteaccessvpns", RemoteAccessVpn))

    @overload
    async def enable(
        self, vpn_id: str, *, wait: Literal[False] = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[RemoteAccessVpn]: ...
    @overload
    async def enable(
        self, vpn_id: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> RemoteAccessVpn: ...
    async def enable(
        self, vpn_id: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[RemoteAccessVpn] | RemoteAccessVpn:
        """Enable the VPN."""
        return await self._submit(self._requests.operation(vpn_id, "enable"), wait, timeout)

    @overload
    async def disable(
        self, vpn_id: str, *, wait: Literal[False] = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[RemoteAccessVpn]: ...
    @overload
    async def disable(
        self, vpn_id: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> RemoteAccessVpn: ...
    async def disable(
        self, vpn_id: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[RemoteAccessVpn] | RemoteAccessVpn:
        """Disable the VPN."""
        return await self._submit(self._requests.operation(vpn_id, "disable"), wait, timeout)


class AsyncVpnUsers(AsyncResource[VpnUser]):
    """Remote access VPN users (6.19)."""

    def __init__(self, client: AsyncClient, prefix: str) -> None:
        super().__init__(client, Requests(prefix, "vpnusers", VpnUser))

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

    @overload
    async def delete(
        self, user_id: str, *, wait: Literal[False] = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[VpnUser | None]: ...
    @overload
    async def delete(
        self, user_id: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> VpnUser | None: ...
    async def delete(
        self, user_id: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> AsyncTask[VpnUser | None] | VpnUser | None:
        """Delete a VPN user."""
        return await self._submit(self._requests.delete(user_id), wait, timeout)
