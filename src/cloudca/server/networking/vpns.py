"""Remote access VPNs, VPN users and site-to-site VPNs (API-CONTRACT 6.19): representations, reads
and the checks of every mutation.

A VPC's remote access VPN is its source NAT public IP seen as a VPN (same id, Decision 8.50): it
exists, ``Disabled``, from the VPC's creation; enabling it gives it a preshared key, adds ``VPN`` to
the IP's purposes and sets the VPC's ``vpnStatus``. VPN users belong to the environment; only a
scrypt digest of their password is kept (made here, so the password never reaches a task's
payload). These are bookkeeping only unless the driver declares ``remote_access_vpn``; the
simulator and today's drivers connect nothing (a site-to-site VPN is shown ``Connected``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core import carry
from cloudca.server.core.environment_lists import environment_lister
from cloudca.server.core.fields import not_one_of
from cloudca.server.core.listing import ListParams, SortColumns, given, page
from cloudca.server.core.payloads import Payload
from cloudca.server.core.rows import field_row, in_environment
from cloudca.server.errors import Duplicate, InvalidField, NotFound, ValidationErrors
from cloudca.server.networking.models import PublicIp, SiteToSiteVpn, Vpc, VpnUser
from cloudca.server.networking.schemas import CreateSiteToSiteVpn, CreateVpnUser

REMOTE_ACCESS_VPNS = "remoteaccessvpns"
VPN_USERS = "vpnusers"
SITE_TO_SITE_VPNS = "sitetositevpns"
ENABLED, DISABLED = "Enabled", "Disabled"
ENCRYPTION = ("aes128", "aes192", "aes256", "3des")
HASHES = ("sha1", "md5")
DH_GROUPS = ("none", "modp1024", "modp1536", "group2", "group5", "group-2", "group-5")
_PSK = re.compile(r"^[A-Za-z0-9]{10,}$")


def preshared_key() -> str:
    """24 letters and digits, like the keys in D's examples."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(24))


def password_digest(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


# -- remote access VPNs ----------------------------------------------------------------------------


def represent_remote_access_vpn(ip: PublicIp, vpc: Vpc) -> dict[str, Any]:
    body = {
        "id": ip.id,
        "publicIpAddress": ip.ip_address,
        "publicIpAddressId": ip.id,
        "state": vpc.vpn_status,
        "type": "L2TP",
    }
    if vpc.vpn_status == ENABLED and vpc.vpn_preshared_key:
        body["presharedKey"] = vpc.vpn_preshared_key
    return body


def _source_nat(scope: EnvironmentScope) -> Any:
    return (
        select(PublicIp, Vpc)
        .join(Vpc, Vpc.id == PublicIp.vpc_id)
        .where(PublicIp.environment_id == scope.id, PublicIp.is_source_nat.is_(True))
        .execution_options(populate_existing=True)
    )


REMOTE_ACCESS_SORT: SortColumns = {
    "id": PublicIp.id,
    "publicIpAddress": PublicIp.ip_address,
    "publicIpAddressId": PublicIp.id,
    "state": Vpc.vpn_status,
    "type": literal("L2TP"),
    "presharedKey": case((Vpc.vpn_status == ENABLED, Vpc.vpn_preshared_key)),
}


async def list_remote_access_vpns(
    session: AsyncSession, scope: EnvironmentScope, params: ListParams, *, vpc_id: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    query = _source_nat(scope)
    query = given(query, {Vpc.id: vpc_id})
    rows, metadata = await page(session, query, params, REMOTE_ACCESS_SORT, (Vpc.created_at, Vpc.id))
    return [represent_remote_access_vpn(ip, vpc) for ip, vpc in rows], metadata


async def get_remote_access_vpn(session: AsyncSession, scope: EnvironmentScope, vpn_id: str) -> PublicIp:
    """The VPN named in the path (its source NAT IP; its VPC is in the session too), or 404."""
    row = (await session.execute(_source_nat(scope).where(PublicIp.id == vpn_id.lower()))).first()
    if row is None:
        raise NotFound(REMOTE_ACCESS_VPNS, vpn_id, f"No remote access VPN with id {vpn_id}")
    return row[0]  # type: ignore[no-any-return]


async def represent_remote_access_vpn_of(session: AsyncSession, ip: PublicIp) -> dict[str, Any]:
    """The VPN of a source NAT IP (its VPC comes from the session when the lookup loaded it)."""
    vpc = await session.get(Vpc, ip.vpc_id)
    assert vpc is not None  # a VPC's source NAT IP goes with the VPC
    return represent_remote_access_vpn(ip, vpc)


# -- VPN users -------------------------------------------------------------------------------------


#: The representation: each field and the column it is; both are sortable.
USER_FIELDS = carry.wire_columns(VpnUser, "id", "username")


def represent_user(user: VpnUser) -> dict[str, Any]:
    return carry.fields_of(user, USER_FIELDS)


list_users = environment_lister(VpnUser, USER_FIELDS, represent_user)


async def get_user(session: AsyncSession, scope: EnvironmentScope, user_id: str) -> VpnUser:
    return await in_environment(session, VpnUser, scope.id, user_id, VPN_USERS, "VPN user")


def username_taken(username: str) -> Duplicate:
    return Duplicate("username", username, f"The VPN user {username} already exists")


@dataclass(frozen=True)
class VpnUserPayload(Payload):
    """``vpnusers.create``: the user, with the password's digest (never the password)."""

    username: str
    passwordDigest: str


async def check_create_user(
    session: AsyncSession, scope: EnvironmentScope, body: CreateVpnUser
) -> VpnUserPayload:
    taken = await session.execute(
        select(VpnUser.id).where(VpnUser.environment_id == scope.id, VpnUser.username == body.username)
    )
    if taken.first() is not None:
        raise username_taken(body.username)
    return VpnUserPayload(body.username, password_digest(body.password))


# -- site-to-site VPNs -----------------------------------------------------------------------------


#: The representation: each field and the column it is, all sortable; ``_SITE_TO_SITE_OPTIONAL``'s
#: fields appear when set.
_SITE_TO_SITE_FIELDS = carry.wire_columns(
    SiteToSiteVpn,
    "id name state vpcId gateway cidr ipSecPsk",
    "ikeEncryptionAlgorithm ikeHashAlgorithm ikeLifetime espEncryptionAlgorithm espHashAlgorithm espLifetime",
    "dpd forceEncap",
    ipSecPsk="ipsec_psk",
)
_SITE_TO_SITE_OPTIONAL = carry.wire_columns(SiteToSiteVpn, "ikeDhGroup", "espPerfectForwardSecrecy")
SITE_TO_SITE_SORT: SortColumns = {**_SITE_TO_SITE_FIELDS, **_SITE_TO_SITE_OPTIONAL}


def represent_site_to_site_vpn(vpn: SiteToSiteVpn) -> dict[str, Any]:
    optional = carry.fields_of(vpn, _SITE_TO_SITE_OPTIONAL)
    return carry.fields_of(vpn, _SITE_TO_SITE_FIELDS) | {
        name: value for name, value in optional.items() if value
    }


list_site_to_site_vpns = environment_lister(
    SiteToSiteVpn, SITE_TO_SITE_SORT, represent_site_to_site_vpn, vpc_id=SiteToSiteVpn.vpc_id
)


async def get_site_to_site_vpn(session: AsyncSession, scope: EnvironmentScope, vpn_id: str) -> SiteToSiteVpn:
    return await in_environment(
        session, SiteToSiteVpn, scope.id, vpn_id, SITE_TO_SITE_VPNS, "site-to-site VPN"
    )


async def check_create_site_to_site_vpn(
    session: AsyncSession, scope: EnvironmentScope, body: CreateSiteToSiteVpn
) -> dict[str, Any]:
    problems = [
        problem
        for problem in (
            not_one_of("ikeEncryptionAlgorithm", body.ikeEncryptionAlgorithm, ENCRYPTION),
            not_one_of("espEncryptionAlgorithm", body.espEncryptionAlgorithm, ENCRYPTION),
            not_one_of("ikeHashAlgorithm", body.ikeHashAlgorithm, HASHES),
            not_one_of("espHashAlgorithm", body.espHashAlgorithm, HASHES),
            not_one_of("ikeDhGroup", body.ikeDhGroup, DH_GROUPS),
            not_one_of("espPerfectForwardSecrecy", body.espPerfectForwardSecrecy, DH_GROUPS),
        )
        if problem is not None
    ]
    try:
        ipaddress.IPv4Address(body.gateway)
    except ValueError:
        problems.append(InvalidField("gateway", body.gateway, "must be an IPv4 address"))
    try:
        ipaddress.IPv4Network(body.cidr, strict=False)
    except ValueError:
        problems.append(InvalidField("cidr", body.cidr, "must be an IPv4 CIDR"))
    if not _PSK.match(body.ipSecPsk):
        problems.append(InvalidField("ipSecPsk", "<hidden>", "must be at least 10 letters or digits"))
    try:
        await field_row(session, Vpc, scope.id, body.vpcId, "vpcId", "VPC")
    except InvalidField as problem:
        problems.append(problem)
    for field, column, value in (
        ("name", SiteToSiteVpn.name, body.name),
        ("gateway", SiteToSiteVpn.gateway, body.gateway),
    ):
        taken = await session.execute(
            select(SiteToSiteVpn.id).where(SiteToSiteVpn.environment_id == scope.id, column == value).limit(1)
        )
        if taken.first() is not None:
            problems.append(
                Duplicate(field, value, f"A site-to-site VPN of this environment already uses {value}")
            )
    if problems:
        raise ValidationErrors(problems)
    # The payload is the checked body itself (the handler reads it back into the same model).
    return body.model_dump() | {"vpcId": body.vpcId.lower()}
