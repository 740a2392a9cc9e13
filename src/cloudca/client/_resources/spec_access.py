"""SSH keys, affinity groups and remote access VPNs, asynchronously (mirrors :mod:`.access`)."""

# spec: of async_access.py (scripts/generate_sync_sdk.py): a method marked @task is written once,
# spec: as the builder of its call; the generated module adds wait, timeout and the typed overloads.
from __future__ import annotations

from collections.abc import Sequence

from cloudca.client._base import Call
from cloudca.client._models import AffinityGroup, RemoteAccessVpn, SshKey, VpnUser
from cloudca.client._resources._base import AsyncCollection, async_id_task, task
from cloudca.client._resources._wire import wire_body

__all__ = ["AsyncAffinityGroups", "AsyncRemoteAccessVpns", "AsyncSshKeys", "AsyncVpnUsers"]


class AsyncSshKeys(AsyncCollection[SshKey]):
    """SSH keys (6.16), addressed by name or id."""

    _entity_type = "sshkeys"
    _model = SshKey

    @task
    def create(self, name: str, public_key: str) -> Call[SshKey]:
        """Register an OpenSSH public key under a name."""
        return self._requests.create(wire_body({"name": name, "public_key": public_key}))

    @async_id_task
    def delete(self, name_or_id: str) -> Call[SshKey | None]:
        """Delete a key (instances keep the installed key)."""
        return self._requests.delete(name_or_id)


class AsyncAffinityGroups(AsyncCollection[AffinityGroup]):
    """Affinity groups (6.17)."""

    _entity_type = "affinitygroups"
    _model = AffinityGroup

    @task
    def create(
        self,
        name: str,
        *,
        description: str = "",
        type: str = "host anti-affinity",
        instance_ids: Sequence[str] | None = None,
    ) -> Call[AffinityGroup]:
        """Create an anti-affinity group."""
        return self._requests.create(
            wire_body(
                {
                    "name": name,
                    "description": description,
                    "type": type,
                    "instance_ids": instance_ids,
                }
            )
        )

    @task
    def update(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instance_ids: Sequence[str] | None = None,
    ) -> Call[AffinityGroup]:
        """Change a group; ``instance_ids`` replaces its members."""
        return self._requests.update(
            group_id,
            wire_body(
                {
                    "name": name,
                    "description": description,
                    "instance_ids": instance_ids,
                }
            ),
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

    @task
    def create(self, username: str, password: str) -> Call[VpnUser]:
        """Create a VPN user."""
        return self._requests.create(wire_body({"username": username, "password": password}))

    @async_id_task
    def delete(self, user_id: str) -> Call[VpnUser | None]:
        """Delete a VPN user."""
        return self._requests.delete(user_id)
