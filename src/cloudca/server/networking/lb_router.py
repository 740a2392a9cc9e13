"""Load balancer rule endpoints (API-CONTRACT 6.12): reads, create, update, the two operations
(``updateInstances``, ``updateStickiness``; POST as the Go client sends them, PUT as D documents
them), delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.api.routes import Filter, Resource, ResourceRoutes, by_id
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.networking import load_balancers as service
from cloudca.server.networking import operations, schemas
from cloudca.server.networking.payloads import BalancerPayload
from cloudca.server.runtime import Runtime
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
RULES = Resource(
    service.RULES,
    "rule_id",
    schemas.LoadBalancerRule,
    service.get_rule,
    by_id(service.represent_rule),
)


async def _submit(runtime: Runtime, scope: EnvironmentScope, **task: Any) -> str:
    """``submit`` (the ``Submit`` protocol) once the compute backend's refusals are checked: a rule
    it cannot apply is refused before any task (``check_backend``)."""
    if isinstance(payload := task.get("payload"), BalancerPayload):
        service.check_backend(runtime.driver.capabilities.balancing_refuses, payload)
    return await submit(runtime, scope, **task)


routes = ResourceRoutes(router, _submit)
routes.list(
    RULES,
    "list_rules",
    "List load balancer rules; filter ``public_ip_id``.",
    service.list_rules,
    Filter("public_ip_id"),
)
routes.get(RULES, "get_rule", "Retrieve a load balancer rule.")
routes.create(
    RULES,
    "create_rule",
    "Balance a public port of a public IP over instances of one network.",
    kind="loadbalancerrules.create",
    body=schemas.CreateLoadBalancerRule,
    check=service.check_create,
)
routes.operations(
    RULES,
    "update_rule",
    "Update the name and algorithm; ``?operation=updateInstances`` replaces the balanced instances\n"
    "(an absent list is the empty one), ``?operation=updateStickiness`` the stickiness policy.",
    operations.LOAD_BALANCER_RULES,
    methods=("POST", "PUT"),
)
routes.delete(
    RULES,
    "delete_rule",
    "Delete a load balancer rule; the public IP loses ``LOAD_BALANCING`` with its last one.",
    kind="loadbalancerrules.delete",
    check=service.delete_payload,
)
