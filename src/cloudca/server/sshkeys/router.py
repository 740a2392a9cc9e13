"""SSH key endpoints (6.16): list, get by name or id, register, delete."""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.api.routes import Resource, ResourceRoutes, plain
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.sshkeys import schemas, service
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["sshkeys"], responses=ERROR_RESPONSES)
KEYS = Resource(
    service.ENTITY,
    "name_or_id",
    schemas.SshKey,
    service.get_key,
    plain(service.represent),
)
routes = ResourceRoutes(router, submit)
routes.list(KEYS, "list_ssh_keys", "List the environment's SSH keys.", service.list_keys)
routes.get(KEYS, "get_ssh_key", "Retrieve an SSH key by its name (or its id), with its MD5 fingerprint.")
routes.create(
    KEYS,
    "register_ssh_key",
    "Register an OpenSSH public key under a name (``{name, publicKey}``).",
    kind="sshkeys.create",
    body=service.RegisterSshKey,
    check=service.check_register,
)
routes.delete(
    KEYS,
    "delete_ssh_key",
    "Delete an SSH key; instances that use it keep it installed.",
    kind="sshkeys.delete",
)
