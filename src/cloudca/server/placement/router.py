"""Affinity group endpoints (6.17), with the ``type`` filter the Terraform provider relies on."""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.api.routes import Filter, Resource, ResourceRoutes, plain
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.placement import affinity, schemas
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["affinitygroups"], responses=ERROR_RESPONSES)
GROUPS = Resource(
    affinity.ENTITY,
    "group_id",
    schemas.AffinityGroup,
    affinity.get_group,
    affinity.represent,
)
routes = ResourceRoutes(router, submit)
routes.list(
    GROUPS,
    "list_affinity_groups",
    "List affinity groups; filter ``type`` (``host anti-affinity`` or ``ExplicitDedication``).",
    affinity.list_groups,
    Filter("type", affinity.TYPES, keyword="group_type"),
)
routes.get(GROUPS, "get_affinity_group", "Retrieve an affinity group with its members.")
routes.create(
    GROUPS,
    "create_affinity_group",
    "Create a ``host anti-affinity`` group, optionally with members (``instanceIds``).",
    kind="affinitygroups.create",
    body=affinity.CreateAffinityGroup,
    check=affinity.check_create,
)
routes.operations(
    GROUPS,
    "update_affinity_group",
    "Rename, redescribe, or replace the members (``instanceIds``) of an anti-affinity group.",
    affinity.OPERATIONS,
)
routes.delete(
    GROUPS,
    "delete_affinity_group",
    "Delete an anti-affinity group; its members leave it.",
    kind="affinitygroups.delete",
    check=plain(affinity.check_delete),
)
