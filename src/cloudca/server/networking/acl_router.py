"""Network ACL and ACL rule endpoints (API-CONTRACT 6.9)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import operation_body, read_model, read_object
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.networking import acl_lists, acls, operations, schemas
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"
ACL = f"{BASE}/networkacls/{{acl_id}}"
RULE = f"{BASE}/networkaclrules/{{rule_id}}"


@router.get(f"{BASE}/networkacls", response_model=Listing[schemas.NetworkAcl])
async def list_acls(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List the environment's ACLs and the built-ins; filter ``vpc_id`` (the built-ins always show)."""
    vpc_id = uuid_filter(request, "vpc_id")
    async with runtime.database.session() as session:
        return listing(*await acl_lists.list_acls(session, scope, params, vpc_id=vpc_id))


@router.get(ACL, response_model=Single[schemas.NetworkAcl])
async def get_acl(acl_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a network ACL."""
    async with runtime.database.session() as session:
        return single(acls.represent_acl(await acls.get_acl(session, scope, acl_id)))


@router.post(f"{BASE}/networkacls", response_model=TaskAccepted)
async def create_acl(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Create an ACL in a VPC (with no rules: its networks let no traffic in, 6.9)."""
    body = await read_model(request, schemas.CreateAcl)
    async with runtime.database.session() as session:
        payload = await acls.check_create_acl(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="networkacls.create", entity_type=acls.ACLS, payload=payload)
    )


@router.delete(ACL, response_model=TaskAccepted)
async def delete_acl(acl_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete an ACL and its rules; refused for the built-ins and while a network uses it."""
    async with runtime.database.session() as session:
        acl = await acls.get_acl(session, scope, acl_id)
        await acls.check_delete_acl(session, acl)
        last = acls.represent_acl(acl)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="networkacls.delete",
            entity_type=acls.ACLS,
            entity_id=acl.id,
            payload={"last": last},
        )
    )


@router.get(f"{BASE}/networkaclrules", response_model=Listing[schemas.NetworkAclRule])
async def list_rules(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List ACL rules, in rule number order per ACL; filter ``network_acl_id``."""
    network_acl_id = uuid_filter(request, "network_acl_id")
    async with runtime.database.session() as session:
        return listing(*await acl_lists.list_rules(session, scope, params, network_acl_id=network_acl_id))


@router.get(RULE, response_model=Single[schemas.NetworkAclRule])
async def get_rule(rule_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve an ACL rule."""
    async with runtime.database.session() as session:
        return single(acls.represent_rule(await acls.find_rule(session, scope, rule_id)))


@router.post(f"{BASE}/networkaclrules", response_model=TaskAccepted)
async def create_rule(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Add a rule to an ACL; its networks' filtering follows."""
    body = await read_model(request, schemas.CreateAclRule)
    async with runtime.database.session() as session:
        payload = await acls.check_create_rule(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="networkaclrules.create", entity_type=acls.RULES, payload=payload)
    )


@router.put(RULE, response_model=TaskAccepted)
@router.post(RULE, response_model=TaskAccepted)
async def update_rule(rule_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Change a rule (any field but its ACL; the protocol only between TCP and UDP)."""
    operation = operations.ACL_RULES.find(request.query_params.get("operation"))
    body = operation_body(operation, await read_object(request))
    async with runtime.database.session() as session:
        rule = await acls.find_rule(session, scope, rule_id)
        payload = await operation.check(session, scope, rule, body)
    return task_accepted(
        await submit(
            runtime, scope, kind=operation.kind, entity_type=acls.RULES, entity_id=rule.id, payload=payload
        )
    )


@router.delete(RULE, response_model=TaskAccepted)
async def delete_rule(rule_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a rule of an ACL; refused for the built-ins' rules."""
    async with runtime.database.session() as session:
        rule = await acls.find_rule(session, scope, rule_id)
        acls.check_delete_rule(rule)
        last = acls.represent_rule(rule)
    payload = acls.RulePayload(rule.network_acl_id, last=last)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="networkaclrules.delete",
            entity_type=acls.RULES,
            entity_id=rule.id,
            payload=payload,
        )
    )
