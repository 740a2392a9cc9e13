"""Read-only catalog endpoints: zones, templates, compute/disk/VPC/network offerings (6.1-6.6)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cloudca.server.api.routes import Resource, ResourceRoutes, plain
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.catalog import representations as rep
from cloudca.server.catalog import schemas as docs
from cloudca.server.catalog import service
from cloudca.server.catalog.models import ComputeOffering, DiskOffering, NetworkOffering, VpcOffering, Zone
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["catalog"], responses=ERROR_RESPONSES)
routes = ResourceRoutes(router, submit)

SHARED = (
    (service.Shared(Zone), "zones", docs.Zone),
    (service.Shared(ComputeOffering), "compute offerings", docs.ComputeOffering),
    (service.Shared(DiskOffering), "disk offerings", docs.DiskOffering),
    (service.Shared(VpcOffering), "VPC offerings", docs.VpcOffering),
    (service.Shared(NetworkOffering), "network offerings", docs.NetworkOffering),
)
for shared, title, model in SHARED:
    segment = rep.KINDS[shared.model].entity_type
    resource: Resource[Any] = Resource(segment, "entity_id", model, shared.get, plain(shared.represent))
    routes.list(resource, f"list_{segment}", f"List {title}.", shared.page)
    routes.get(resource, f"get_{segment}", f"Retrieve one of the {title}.")

TEMPLATES = Resource("templates", "template_id", docs.Template, service.get_template, plain(rep.template))
routes.list(
    TEMPLATES,
    "list_templates",
    "List the environment's private templates and every public template.",
    service.list_templates,
)
routes.get(TEMPLATES, "get_template", "Retrieve a template.")
