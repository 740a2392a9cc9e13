"""SSH keys, affinity groups and remote access VPNs."""

# Generated from async_access.py by scripts/generate_sync_sdk.py: edit the source, then run it.

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, overload

from cloudca.client._base import Call
from cloudca.client._models import AffinityGroup, RemoteAccessVpn, SshKey, VpnUser
from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT, Collection, id_task
from cloudca.client._resources._wire import wire_body

if TYPE_CHECKING:
    from cloudca.client._task import Task

__all__ = ["AffinityGroups", "RemoteAccessVpns", "SshKeys", "VpnUsers"]


class SshKeys(Collection[SshKey]):
    """SSH keys (6.16), addressed by name or id."""

    _entity_type = "sshkeys"
    _model = SshKey

    @overload
    def create(
        self,
        name: str,
        public_key: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[SshKey]: ...
    @overload
    def create(
        self, name: str, public_key: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> SshKey: ...
    def create(
        self, name: str, public_key: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Task[SshKey] | SshKey:
        """Register an OpenSSH public key under a name."""
        return self._submit(
            self._requests.create(wire_body({"name": name, "public_key": public_key})), wait, timeout
        )

    @id_task
    def delete(self, name_or_id: str) -> Call[SshKey | None]:
        """Delete a key (instances keep the installed key)."""
        return self._requests.delete(name_or_id)


class AffinityGroups(Collection[AffinityGroup]):
    """Affinity groups (6.17)."""

    _entity_type = "affinitygroups"
    _model = AffinityGroup

    @overload
    def create(
        self,
        name: str,
        *,
        description: str = "",
        type: str = "host anti-affinity",
        instance_ids: Sequence[str] | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[AffinityGroup]: ...
    @overload
    def create(
        self,
        name: str,
        *,
        description: str = "",
        type: str = "host anti-affinity",
        instance_ids: Sequence[str] | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AffinityGroup: ...
    def create(
        self,
        name: str,
        *,
        description: str = "",
        type: str = "host anti-affinity",
        instance_ids: Sequence[str] | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[AffinityGroup] | AffinityGroup:
        """Create an anti-affinity group."""
        return self._submit(
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
    def update(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instance_ids: Sequence[str] | None = None,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[AffinityGroup]: ...
    @overload
    def update(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instance_ids: Sequence[str] | None = None,
        wait: Literal[True],
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> AffinityGroup: ...
    def update(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instance_ids: Sequence[str] | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[AffinityGroup] | AffinityGroup:
        """Change a group; ``instance_ids`` replaces its members."""
        return self._submit(
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

    @id_task
    def delete(self, group_id: str) -> Call[AffinityGroup | None]:
        """Delete an affinity group."""
        return self._requests.delete(group_id)


class RemoteAccessVpns(Collection[RemoteAccessVpn]):
    """Remote access VPNs of VPCs (6.19)."""

    _entity_type = "remoteaccessvpns"
    _model = RemoteAccessVpn

    @id_task
    def enable(self, vpn_id: str) -> Call[RemoteAccessVpn]:
        """Enable the VPN."""
        return self._requests.operation(vpn_id, "enable")

    @id_task
    def disable(self, vpn_id: str) -> Call[RemoteAccessVpn]:
        """Disable the VPN."""
        return self._requests.operation(vpn_id, "disable")


class VpnUsers(Collection[VpnUser]):
    """Remote access VPN users (6.19)."""

    _entity_type = "vpnusers"
    _model = VpnUser

    @overload
    def create(
        self,
        username: str,
        password: str,
        *,
        wait: Literal[False] = False,
        timeout: float = DEFAULT_TASK_TIMEOUT,
    ) -> Task[VpnUser]: ...
    @overload
    def create(
        self, username: str, password: str, *, wait: Literal[True], timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> VpnUser: ...
    def create(
        self, username: str, password: str, *, wait: bool = False, timeout: float = DEFAULT_TASK_TIMEOUT
    ) -> Task[VpnUser] | VpnUser:
        """Create a VPN user."""
        return self._submit(
            self._requests.create(wire_body({"username": username, "password": password})), wait, timeout
        )

    @id_task
    def delete(self, user_id: str) -> Call[VpnUser | None]:
        """Delete a VPN user."""
        return self._requests.delete(user_id)
