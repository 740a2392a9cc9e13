"""Remote access VPN, VPN user and site-to-site VPN endpoints (API-CONTRACT 6.19)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import read_model, read_object
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.networking import operations, schemas, vpns
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"
REMOTE_ACCESS_VPN = f"{BASE}/remoteaccessvpns/{{vpn_id}}"
VPN_USER = f"{BASE}/vpnusers/{{user_id}}"
SITE_TO_SITE_VPN = f"{BASE}/sitetositevpns/{{vpn_id}}"


@router.get(f"{BASE}/remoteaccessvpns", response_model=Listing[schemas.RemoteAccessVpn])
async def list_remote_access_vpns(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """One per VPC (its id is the VPC's source NAT IP's); filter ``vpc_id``."""
    vpc_id = uuid_filter(request, "vpc_id")
    async with runtime.database.session() as session:
        return listing(*await vpns.list_remote_access_vpns(session, scope, params, vpc_id=vpc_id))


@router.get(REMOTE_ACCESS_VPN, response_model=Single[schemas.RemoteAccessVpn])
async def get_remote_access_vpn(vpn_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a remote access VPN."""
    async with runtime.database.session() as session:
        return single(
            vpns.represent_remote_access_vpn(*await vpns.get_remote_access_vpn(session, scope, vpn_id))
        )


@router.post(REMOTE_ACCESS_VPN, response_model=TaskAccepted)
@router.put(REMOTE_ACCESS_VPN, response_model=TaskAccepted)
async def operate_remote_access_vpn(
    vpn_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """``?operation=enable`` or ``?operation=disable`` (what the Go client and Terraform call)."""
    await read_object(request)  # the Go client may send a body; nothing in it is read
    operation = operations.REMOTE_ACCESS_VPNS.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        ip, _vpc = await vpns.get_remote_access_vpn(session, scope, vpn_id)
        payload = await operation.check(session, scope, ip, None)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind=operation.kind,
            entity_type=vpns.REMOTE_ACCESS_VPNS,
            entity_id=ip.id,
            payload=payload,
        )
    )


@router.get(f"{BASE}/vpnusers", response_model=Listing[schemas.VpnUser])
async def list_vpn_users(runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep) -> JSONResponse:
    """List the environment's VPN users."""
    async with runtime.database.session() as session:
        return listing(*await vpns.list_users(session, scope, params))


@router.get(VPN_USER, response_model=Single[schemas.VpnUser])
async def get_vpn_user(user_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a VPN user."""
    async with runtime.database.session() as session:
        return single(vpns.represent_user(await vpns.get_user(session, scope, user_id)))


@router.post(f"{BASE}/vpnusers", response_model=TaskAccepted)
async def create_vpn_user(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Add a VPN user (``username`` unique in the environment); the password is kept as a digest."""
    body = await read_model(request, schemas.CreateVpnUser)
    async with runtime.database.session() as session:
        payload = await vpns.check_create_user(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="vpnusers.create", entity_type=vpns.VPN_USERS, payload=payload)
    )


@router.delete(VPN_USER, response_model=TaskAccepted)
async def delete_vpn_user(user_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a VPN user (the body the Go client sends is ignored)."""
    async with runtime.database.session() as session:
        user = await vpns.get_user(session, scope, user_id)
    payload = {"last": vpns.represent_user(user)}
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="vpnusers.delete",
            entity_type=vpns.VPN_USERS,
            entity_id=user.id,
            payload=payload,
        )
    )


@router.get(f"{BASE}/sitetositevpns", response_model=Listing[schemas.SiteToSiteVpn])
async def list_site_to_site_vpns(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List site-to-site VPNs; filter ``vpc_id``."""
    vpc_id = uuid_filter(request, "vpc_id")
    async with runtime.database.session() as session:
        return listing(*await vpns.list_site_to_site_vpns(session, scope, params, vpc_id=vpc_id))


@router.get(SITE_TO_SITE_VPN, response_model=Single[schemas.SiteToSiteVpn])
async def get_site_to_site_vpn(vpn_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a site-to-site VPN."""
    async with runtime.database.session() as session:
        return single(
            vpns.represent_site_to_site_vpn(await vpns.get_site_to_site_vpn(session, scope, vpn_id))
        )


@router.post(f"{BASE}/sitetositevpns", response_model=TaskAccepted)
async def create_site_to_site_vpn(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Connect a VPC to another network over IPsec (name and remote gateway unique in the environment)."""
    body = await read_model(request, schemas.CreateSiteToSiteVpn)
    async with runtime.database.session() as session:
        payload = await vpns.check_create_site_to_site_vpn(session, scope, body)
    return task_accepted(
        await submit(
            runtime, scope, kind="sitetositevpns.create", entity_type=vpns.SITE_TO_SITE_VPNS, payload=payload
        )
    )


@router.post(SITE_TO_SITE_VPN, response_model=TaskAccepted)
@router.put(SITE_TO_SITE_VPN, response_model=TaskAccepted)
async def reset_site_to_site_vpn(
    vpn_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """``?operation=reset``: reset the connection (PUT too: every operation takes both verbs, 8.25)."""
    await read_object(request)
    operation = operations.SITE_TO_SITE_VPNS.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        vpn = await vpns.get_site_to_site_vpn(session, scope, vpn_id)
        payload = await operation.check(session, scope, vpn, None)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind=operation.kind,
            entity_type=vpns.SITE_TO_SITE_VPNS,
            entity_id=vpn.id,
            payload=payload,
        )
    )


@router.delete(SITE_TO_SITE_VPN, response_model=TaskAccepted)
async def delete_site_to_site_vpn(vpn_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a site-to-site VPN."""
    async with runtime.database.session() as session:
        vpn = await vpns.get_site_to_site_vpn(session, scope, vpn_id)
        payload = {"last": vpns.represent_site_to_site_vpn(vpn)}
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="sitetositevpns.delete",
            entity_type=vpns.SITE_TO_SITE_VPNS,
            entity_id=vpn.id,
            payload=payload,
        )
    )
