"""Remote access VPN, VPN user and site-to-site VPN endpoints (API-CONTRACT 6.19)."""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.api.routes import Filter, Resource, ResourceRoutes, plain
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.networking import operations, schemas, vpns
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
REMOTE_ACCESS_VPNS = Resource(
    vpns.REMOTE_ACCESS_VPNS,
    "vpn_id",
    schemas.RemoteAccessVpn,
    vpns.get_remote_access_vpn,
    vpns.represent_remote_access_vpn_of,
)
VPN_USERS = Resource(vpns.VPN_USERS, "user_id", schemas.VpnUser, vpns.get_user, plain(vpns.represent_user))
SITE_TO_SITE_VPNS = Resource(
    vpns.SITE_TO_SITE_VPNS,
    "vpn_id",
    schemas.SiteToSiteVpn,
    vpns.get_site_to_site_vpn,
    plain(vpns.represent_site_to_site_vpn),
)
routes = ResourceRoutes(router, submit)

routes.list(
    REMOTE_ACCESS_VPNS,
    "list_remote_access_vpns",
    "One per VPC (its id is the VPC's source NAT IP's); filter ``vpc_id``.",
    vpns.list_remote_access_vpns,
    Filter("vpc_id"),
)
routes.get(REMOTE_ACCESS_VPNS, "get_remote_access_vpn", "Retrieve a remote access VPN.")
# The Go client may send a body; nothing in it is read.
routes.operations(
    REMOTE_ACCESS_VPNS,
    "operate_remote_access_vpn",
    "``?operation=enable`` or ``?operation=disable`` (what the Go client and Terraform call).",
    operations.REMOTE_ACCESS_VPNS,
)

routes.list(VPN_USERS, "list_vpn_users", "List the environment's VPN users.", vpns.list_users)
routes.get(VPN_USERS, "get_vpn_user", "Retrieve a VPN user.")
routes.create(
    VPN_USERS,
    "create_vpn_user",
    "Add a VPN user (``username`` unique in the environment); the password is kept as a digest.",
    kind="vpnusers.create",
    body=schemas.CreateVpnUser,
    check=vpns.check_create_user,
)
routes.delete(
    VPN_USERS,
    "delete_vpn_user",
    "Delete a VPN user (the body the Go client sends is ignored).",
    kind="vpnusers.delete",
)

routes.list(
    SITE_TO_SITE_VPNS,
    "list_site_to_site_vpns",
    "List site-to-site VPNs; filter ``vpc_id``.",
    vpns.list_site_to_site_vpns,
    Filter("vpc_id"),
)
routes.get(SITE_TO_SITE_VPNS, "get_site_to_site_vpn", "Retrieve a site-to-site VPN.")
routes.create(
    SITE_TO_SITE_VPNS,
    "create_site_to_site_vpn",
    "Connect a VPC to another network over IPsec (name and remote gateway unique in the environment).",
    kind="sitetositevpns.create",
    body=schemas.CreateSiteToSiteVpn,
    check=vpns.check_create_site_to_site_vpn,
)
routes.operations(
    SITE_TO_SITE_VPNS,
    "reset_site_to_site_vpn",
    "``?operation=reset``: reset the connection (PUT too: every operation takes both verbs, 8.25).",
    operations.SITE_TO_SITE_VPNS,
)
routes.delete(
    SITE_TO_SITE_VPNS, "delete_site_to_site_vpn", "Delete a site-to-site VPN.", kind="sitetositevpns.delete"
)
