"""Load balancer rule endpoints (API-CONTRACT 6.12): reads, create, update, the two operations
(``updateInstances``, ``updateStickiness``; POST as the Go client sends them, PUT as D documents
them), delete."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.api.body import operation_body, read_model, read_object
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.networking import load_balancers as service
from cloudca.server.networking import operations, schemas
from cloudca.server.networking.models import LoadBalancerRule
from cloudca.server.networking.payloads import BalancerPayload
from cloudca.server.runtime import Runtime
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"
RULE = f"{BASE}/loadbalancerrules/{{rule_id}}"


@router.get(f"{BASE}/loadbalancerrules", response_model=Listing[schemas.LoadBalancerRule])
async def list_rules(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List load balancer rules; filter ``public_ip_id``."""
    public_ip_id = uuid_filter(request, "public_ip_id")
    async with runtime.database.session() as session:
        return listing(*await service.list_rules(session, scope, params, public_ip_id=public_ip_id))


@router.get(RULE, response_model=Single[schemas.LoadBalancerRule])
async def get_rule(rule_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a load balancer rule."""
    async with runtime.database.session() as session:
        rule = await service.get_rule(session, scope, rule_id)
        return single(await service.represent_rule(session, rule.id))


@router.post(f"{BASE}/loadbalancerrules", response_model=TaskAccepted)
async def create_rule(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Balance a public port of a public IP over instances of one network."""
    body = await read_model(request, schemas.CreateLoadBalancerRule)
    async with runtime.database.session() as session:
        payload = await service.check_create(session, scope, body)
    service.check_backend(runtime.driver.capabilities.balancing_refuses, payload)
    return task_accepted(
        await submit(
            runtime, scope, kind="loadbalancerrules.create", entity_type=service.RULES, payload=payload
        )
    )


async def _submit(
    runtime: Runtime, scope: EnvironmentScope, kind: str, rule: LoadBalancerRule, payload: BalancerPayload
) -> str:
    service.check_backend(runtime.driver.capabilities.balancing_refuses, payload)
    return await submit(
        runtime, scope, kind=kind, entity_type=service.RULES, entity_id=rule.id, payload=payload
    )


@router.put(RULE, response_model=TaskAccepted)
@router.post(RULE, response_model=TaskAccepted)
async def update_rule(rule_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Update the name and algorithm; ``?operation=updateInstances`` replaces the balanced instances
    (an absent list is the empty one), ``?operation=updateStickiness`` the stickiness policy."""
    raw = await read_object(request)
    operation = operations.LOAD_BALANCER_RULES.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        rule = await service.get_rule(session, scope, rule_id)
        payload = await operation.check(session, scope, rule, operation_body(operation, raw))
    return task_accepted(await _submit(runtime, scope, operation.kind, rule, payload))


@router.delete(RULE, response_model=TaskAccepted)
async def delete_rule(rule_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a load balancer rule; the public IP loses ``LOAD_BALANCING`` with its last one."""
    async with runtime.database.session() as session:
        rule = await service.get_rule(session, scope, rule_id)
        last = await service.represent_rule(session, rule.id)
    payload = BalancerPayload(publicIpId=rule.public_ip_id, networkId=rule.network_id, last=last)
    return task_accepted(await _submit(runtime, scope, "loadbalancerrules.delete", rule, payload))
