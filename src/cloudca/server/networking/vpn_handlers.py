"""The remote access VPN, VPN user and site-to-site VPN tasks: database changes only (no driver
serves VPNs yet; ``Capabilities.remote_access_vpn`` says so), each in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import carry, payloads, rows, unique
from cloudca.server.errors import Duplicate, InvalidField
from cloudca.server.networking import vpns
from cloudca.server.networking.models import PublicIp, SiteToSiteVpn, Vpc, VpnUser
from cloudca.server.networking.schemas import CreateSiteToSiteVpn as CreateSiteToSiteVpnBody
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


class SetRemoteAccessVpn(EntityTask):
    """Enable or disable; doing it again changes nothing (a new key only on a real enable)."""

    enabled: bool

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        ip = await session.get(PublicIp, task.entity_id)
        vpc = await session.get(Vpc, ip.vpc_id, populate_existing=True) if ip is not None else None
        if ip is None or vpc is None:
            raise InvalidField("id", task.entity_id, "the VPC was deleted meanwhile")
        if self.enabled and vpc.vpn_status != vpns.ENABLED:
            vpc.vpn_status, vpc.vpn_preshared_key = vpns.ENABLED, vpns.preshared_key()
        elif not self.enabled:
            vpc.vpn_status, vpc.vpn_preshared_key = vpns.DISABLED, None
        await session.flush()
        return vpns.represent_remote_access_vpn(ip, vpc)


class EnableRemoteAccessVpn(SetRemoteAccessVpn):
    kind = "remoteaccessvpns.enable"
    enabled = True


class DisableRemoteAccessVpn(SetRemoteAccessVpn):
    kind = "remoteaccessvpns.disable"
    enabled = False


class CreateVpnUser(EntityTask):
    kind = "vpnusers.create"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = vpns.VpnUserPayload.from_json(task.payload)
        user = VpnUser(**new_entity(task), **carry.columns(payload))
        async with unique.refused_as(session, vpns.username_taken(user.username)):
            session.add(user)
        return vpns.represent_user(user)


class DeleteRow(EntityTask):
    """The row goes (nothing refers to it); the result is its representation when the request was
    accepted."""

    model: type[VpnUser] | type[SiteToSiteVpn]

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await session.execute(delete(self.model).where(self.model.id == task.entity_id))
        return payloads.Deleted.from_json(task.payload).last


class DeleteVpnUser(DeleteRow):
    kind = "vpnusers.delete"
    model = VpnUser


class CreateSiteToSiteVpn(EntityTask):
    kind = "sitetositevpns.create"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        p = CreateSiteToSiteVpnBody.model_validate(task.payload)
        vpn = SiteToSiteVpn(**new_entity(task), **carry.columns(p, ipSecPsk="ipsec_psk"), state="Connected")
        async with unique.refused_as(
            session, Duplicate("name", p.name, "The name or gateway was taken meanwhile")
        ):
            session.add(vpn)
        return vpns.represent_site_to_site_vpn(vpn)


class ResetSiteToSiteVpn(EntityTask):
    kind = "sitetositevpns.reset"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await rows.update_row(session, SiteToSiteVpn, task.entity_id, state="Connected")
        vpn = await session.get(SiteToSiteVpn, task.entity_id, populate_existing=True)
        if vpn is None:
            raise InvalidField("id", task.entity_id, "the VPN was deleted meanwhile")
        return vpns.represent_site_to_site_vpn(vpn)


class DeleteSiteToSiteVpn(DeleteRow):
    kind = "sitetositevpns.delete"
    model = SiteToSiteVpn


HANDLERS: tuple[TaskHandler, ...] = (
    EnableRemoteAccessVpn(),
    DisableRemoteAccessVpn(),
    CreateVpnUser(),
    DeleteVpnUser(),
    CreateSiteToSiteVpn(),
    ResetSiteToSiteVpn(),
    DeleteSiteToSiteVpn(),
)
