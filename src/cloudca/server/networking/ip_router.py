"""Public IP, port forwarding rule and NIC endpoints (6.10, 6.11, 6.13)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import operation_body, read_model, read_object
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.networking import forwarding_rules as rules
from cloudca.server.networking import nics, operations, schemas
from cloudca.server.networking import public_ips as service
from cloudca.server.networking.payloads import ForwardingPayload
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"
IPS = f"{BASE}/publicipaddresses"
IP = IPS + "/{ip_id}"
RULES = f"{BASE}/portforwardingrules"
RULE = RULES + "/{rule_id}"
NICS = f"{BASE}/nics"
NIC = NICS + "/{nic_id}"


@router.get(IPS, response_model=Listing[schemas.PublicIp])
async def list_public_ips(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List public IPs; filters ``vpc_id`` and ``instance_id``."""
    vpc_id = uuid_filter(request, "vpc_id")
    instance_id = uuid_filter(request, "instance_id")
    async with runtime.database.session() as session:
        return listing(
            *await service.list_ips(session, scope, params, vpc_id=vpc_id, instance_id=instance_id)
        )


@router.get(IP, response_model=Single[schemas.PublicIp])
async def get_public_ip(ip_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a public IP with its purposes and targets."""
    async with runtime.database.session() as session:
        ip = await service.get_ip(session, scope, ip_id)
        return single(await service.represent_ip(session, ip.id))


@router.post(IPS, response_model=TaskAccepted)
async def acquire_public_ip(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Acquire a public IP for a VPC from its zone's pool (``QUOTA_EXCEEDED`` when exhausted)."""
    body = await read_model(request, schemas.AcquirePublicIp)
    async with runtime.database.session() as session:
        payload = await service.check_acquire(session, scope, body)
    return task_accepted(
        await submit(
            runtime, scope, kind="publicipaddresses.acquire", entity_type=service.PUBLIC_IPS, payload=payload
        )
    )


@router.post(IP, response_model=TaskAccepted)
@router.put(IP, response_model=TaskAccepted)
async def public_ip_operation(
    ip_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Run ``?operation=`` enableStaticNat (``privateIpId``) or disableStaticNat."""
    raw = await read_object(request)
    operation = operations.PUBLIC_IPS.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        ip = await service.get_ip(session, scope, ip_id)
        payload = await operation.check(session, scope, ip, operation_body(operation, raw))
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind=operation.kind,
            entity_type=service.PUBLIC_IPS,
            entity_id=ip.id,
            payload=payload,
        )
    )


@router.delete(IP, response_model=TaskAccepted)
async def release_public_ip(ip_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Release a public IP with its rules and static NAT (not the VPC's source NAT IP)."""
    async with runtime.database.session() as session:
        ip = await service.get_ip(session, scope, ip_id)
        service.check_release(ip)
        last = await service.represent_ip(session, ip.id)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="publicipaddresses.release",
            entity_type=service.PUBLIC_IPS,
            entity_id=ip.id,
            payload={"last": last},
        )
    )


@router.get(RULES, response_model=Listing[schemas.PortForwardingRule])
async def list_rules(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List port forwarding rules; filters ``instance_id`` and ``public_ip_id``."""
    instance_id = uuid_filter(request, "instance_id")
    public_ip_id = uuid_filter(request, "public_ip_id")
    async with runtime.database.session() as session:
        return listing(
            *await rules.list_rules(
                session, scope, params, instance_id=instance_id, public_ip_id=public_ip_id
            )
        )


@router.get(RULE, response_model=Single[schemas.PortForwardingRule])
async def get_rule(rule_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a port forwarding rule (ports as strings)."""
    async with runtime.database.session() as session:
        rule = await rules.get_rule(session, scope, rule_id)
        return single(await rules.represent_rule(session, rule.id))


@router.post(RULES, response_model=TaskAccepted)
async def create_rule(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Forward a public IP's port range to an instance's private IP (``DUPLICATE`` when taken)."""
    body = await read_model(request, schemas.CreatePortForwardingRule)
    async with runtime.database.session() as session:
        payload = await rules.check_create_rule(session, scope, body)
    return task_accepted(
        await submit(
            runtime, scope, kind="portforwardingrules.create", entity_type=rules.RULES, payload=payload
        )
    )


@router.delete(RULE, response_model=TaskAccepted)
async def delete_rule(rule_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a port forwarding rule."""
    async with runtime.database.session() as session:
        rule = await rules.get_rule(session, scope, rule_id)
        last = await rules.represent_rule(session, rule.id)
    payload = ForwardingPayload(publicIpId=rule.public_ip_id, last=last)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="portforwardingrules.delete",
            entity_type=rules.RULES,
            entity_id=rule.id,
            payload=payload,
        )
    )


@router.get(NICS, response_model=Listing[schemas.Nic])
async def list_nics(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List NICs; filters ``instance_id`` and ``network_id``."""
    instance_id = uuid_filter(request, "instance_id")
    network_id = uuid_filter(request, "network_id")
    async with runtime.database.session() as session:
        return listing(
            *await nics.list_nics(session, scope, params, instance_id=instance_id, network_id=network_id)
        )


@router.get(NIC, response_model=Single[schemas.Nic])
async def get_nic(nic_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a NIC."""
    async with runtime.database.session() as session:
        nic = await nics.get_nic(session, scope, nic_id)
        return single(await nics.represent(session, nic.id))


@router.post(NICS, response_model=TaskAccepted)
async def create_nic(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Add a NIC to an instance on another network of its zone."""
    body = await read_model(request, nics.CreateNic)
    async with runtime.database.session() as session:
        payload = await nics.check_create(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="nics.create", entity_type=nics.ENTITY, payload=payload)
    )


@router.post(NIC, response_model=TaskAccepted)
@router.put(NIC, response_model=TaskAccepted)
async def nic_operation(nic_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Run ``?operation=setDefault``: the instance's address fields follow this NIC."""
    operation = operations.NICS.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        nic = await nics.get_nic(session, scope, nic_id)
        payload = await operation.check(session, scope, nic, None)
    return task_accepted(
        await submit(
            runtime, scope, kind=operation.kind, entity_type=nics.ENTITY, entity_id=nic.id, payload=payload
        )
    )


@router.delete(NIC, response_model=TaskAccepted)
async def delete_nic(nic_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a NIC other than the default one."""
    async with runtime.database.session() as session:
        nic = await nics.get_nic(session, scope, nic_id)
        payload = await nics.check_delete(session, nic)
    return task_accepted(
        await submit(
            runtime, scope, kind="nics.delete", entity_type=nics.ENTITY, entity_id=nic.id, payload=payload
        )
    )
