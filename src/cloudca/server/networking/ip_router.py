"""Public IP, port forwarding rule and NIC endpoints (6.10, 6.11, 6.13)."""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.api.routes import Filter, Resource, ResourceRoutes, by_id, plain
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.networking import forwarding_rules as rules
from cloudca.server.networking import nics, operations, schemas
from cloudca.server.networking import public_ips as service
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
IPS = Resource(
    service.PUBLIC_IPS,
    "ip_id",
    schemas.PublicIp,
    service.get_ip,
    by_id(service.represent_ip),
)
RULES = Resource(
    rules.RULES,
    "rule_id",
    schemas.PortForwardingRule,
    rules.get_rule,
    by_id(rules.represent_rule),
)
NICS = Resource(nics.ENTITY, "nic_id", schemas.Nic, nics.get_nic, by_id(nics.represent))
routes = ResourceRoutes(router, submit)

routes.list(
    IPS,
    "list_public_ips",
    "List public IPs; filters ``vpc_id`` and ``instance_id``.",
    service.list_ips,
    Filter("vpc_id"),
    Filter("instance_id"),
)
routes.get(IPS, "get_public_ip", "Retrieve a public IP with its purposes and targets.")
routes.create(
    IPS,
    "acquire_public_ip",
    "Acquire a public IP for a VPC from its zone's pool (``QUOTA_EXCEEDED`` when exhausted).",
    kind="publicipaddresses.acquire",
    body=schemas.AcquirePublicIp,
    check=service.check_acquire,
)
routes.operations(
    IPS,
    "public_ip_operation",
    "Run ``?operation=`` enableStaticNat (``privateIpId``) or disableStaticNat.",
    operations.PUBLIC_IPS,
)
routes.delete(
    IPS,
    "release_public_ip",
    "Release a public IP with its rules and static NAT (not the VPC's source NAT IP).",
    kind="publicipaddresses.release",
    check=plain(service.check_release),
)

routes.list(
    RULES,
    "list_rules",
    "List port forwarding rules; filters ``instance_id`` and ``public_ip_id``.",
    rules.list_rules,
    Filter("instance_id"),
    Filter("public_ip_id"),
)
routes.get(RULES, "get_rule", "Retrieve a port forwarding rule (ports as strings).")
routes.create(
    RULES,
    "create_rule",
    "Forward a public IP's port range to an instance's private IP (``DUPLICATE`` when taken).",
    kind="portforwardingrules.create",
    body=schemas.CreatePortForwardingRule,
    check=rules.check_create_rule,
)
routes.delete(
    RULES,
    "delete_rule",
    "Delete a port forwarding rule.",
    kind="portforwardingrules.delete",
    check=rules.delete_payload,
)

routes.list(
    NICS,
    "list_nics",
    "List NICs; filters ``instance_id`` and ``network_id``.",
    nics.list_nics,
    Filter("instance_id"),
    Filter("network_id"),
)
routes.get(NICS, "get_nic", "Retrieve a NIC.")
routes.create(
    NICS,
    "create_nic",
    "Add a NIC to an instance on another network of its zone.",
    kind="nics.create",
    body=nics.CreateNic,
    check=nics.check_create,
)
routes.operations(
    NICS,
    "nic_operation",
    "Run ``?operation=setDefault``: the instance's address fields follow this NIC.",
    operations.NICS,
)
routes.delete(
    NICS,
    "delete_nic",
    "Delete a NIC other than the default one.",
    kind="nics.delete",
    check=nics.check_delete,
)
