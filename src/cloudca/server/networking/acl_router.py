"""Network ACL and ACL rule endpoints (API-CONTRACT 6.9)."""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.api.routes import Filter, Resource, ResourceRoutes, plain
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.networking import acl_lists, acls, operations, schemas
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
ACLS = Resource(acls.ACLS, "acl_id", schemas.NetworkAcl, acls.get_acl, plain(acls.represent_acl))
RULES = Resource(
    acls.RULES,
    "rule_id",
    schemas.NetworkAclRule,
    acls.find_rule,
    plain(acls.represent_rule),
)
routes = ResourceRoutes(router, submit)

routes.list(
    ACLS,
    "list_acls",
    "List the environment's ACLs and the built-ins; filter ``vpc_id`` (the built-ins always show).",
    acl_lists.list_acls,
    Filter("vpc_id"),
)
routes.get(ACLS, "get_acl", "Retrieve a network ACL.")
routes.create(
    ACLS,
    "create_acl",
    "Create an ACL in a VPC (with no rules: its networks let no traffic in, 6.9).",
    kind="networkacls.create",
    body=schemas.CreateAcl,
    check=acls.check_create_acl,
)
routes.delete(
    ACLS,
    "delete_acl",
    "Delete an ACL and its rules; refused for the built-ins and while a network uses it.",
    kind="networkacls.delete",
    check=acls.check_delete_acl,
)

routes.list(
    RULES,
    "list_rules",
    "List ACL rules, in rule number order per ACL; filter ``network_acl_id``.",
    acl_lists.list_rules,
    Filter("network_acl_id"),
)
routes.get(RULES, "get_rule", "Retrieve an ACL rule.")
routes.create(
    RULES,
    "create_rule",
    "Add a rule to an ACL; its networks' filtering follows.",
    kind="networkaclrules.create",
    body=schemas.CreateAclRule,
    check=acls.check_create_rule,
)
routes.operations(
    RULES,
    "update_rule",
    "Change a rule (any field but its ACL; the protocol only between TCP and UDP).",
    operations.ACL_RULES,
)
routes.delete(
    RULES,
    "delete_rule",
    "Delete a rule of an ACL; refused for the built-ins' rules.",
    kind="networkaclrules.delete",
    check=plain(acls.check_delete_rule),
)
