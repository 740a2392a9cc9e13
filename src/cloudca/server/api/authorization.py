"""Who is calling and what they may do, resolved once per request before any route runs.

Every path under ``/v1/`` requires an API key (401 without a recognised one), so a route added
anywhere under ``/v1/`` is covered without declaring anything. On top of that, two rules hold for
every route, present and future:

- ``/v1/services/{code}/{env}/...`` acts in that environment: it must exist in the acting
  organization (404), the caller must have a role there (403), and a ``Read-only`` role may only
  read (403 ``FORBIDDEN`` on every other verb).
- Outside an environment, only organization admins change anything (403), except that every user
  manages their own API keys (``/v1/users/{own id}/apikeys``). Which organizations an admin reaches,
  and what a caller may read, the administration services decide per entity.

Routes then read the result through ``api.deps`` (``CallerDep``, ``ScopeDep``); the lean lane
(``api.fastlane``) answers with the same result.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from cloudca.server.access.service import Caller, EnvironmentScope
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.errors import Forbidden

#: The ASGI scope key the resolution is kept under for the routes.
SCOPE_KEY = "cloudca.access"
READS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RequestAccess:
    caller: Caller
    #: Set on ``/v1/services/{code}/{env}/...`` paths.
    environment: EnvironmentScope | None = None


def api_key_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        # ASGI servers lowercase header names.
        if name == b"mc-api-key":
            return value.decode("latin-1")
    return None


async def resolve(runtime: EdgeRuntime, scope: MutableMapping[str, Any]) -> RequestAccess | None:
    """The request's access, or None for paths outside the API (``/v1`` itself, docs, probes).
    Raises ``Unauthorized``, ``Forbidden`` or ``NotFound`` as the rules above say."""
    path: str = scope["path"]
    if not path.startswith("/v1/"):
        return None
    caller = await runtime.access.authenticate(runtime.database, api_key_of(scope["headers"]))
    method: str = scope["method"]
    parts = path.split("/")  # ["", "v1", "services", code, env, entity type, ...]
    if _in_environment(parts):
        environment = await runtime.access.scope(
            runtime.database, caller, parts[3], parts[4], _org_id(scope["query_string"])
        )
        if method not in READS and not environment.can_write:
            raise Forbidden("Your role in this environment is read-only", permission="write")
        return RequestAccess(caller, environment)
    if method not in READS and not caller.is_org_admin and not _own_keys(parts, caller):
        raise Forbidden("Only organization admins may change this", permission="administration")
    return RequestAccess(caller)


def _in_environment(parts: list[str]) -> bool:
    # ``/v1/services/connections/{id}`` is the administration's; deeper paths under "connections"
    # are environment paths of a service code that does not exist (404 from ``scope``).
    if len(parts) < 5 or parts[2] != "services":
        return False
    return parts[3] != "connections" or len(parts) >= 6


def _own_keys(parts: list[str], caller: Caller) -> bool:
    return (
        len(parts) >= 5
        and parts[2] == "users"
        and parts[3].lower() == caller.user_id
        and parts[4] == "apikeys"
    )


def _org_id(query: bytes) -> str | None:
    if b"org_id" not in query:
        return None
    values = parse_qs(query.decode("latin-1")).get("org_id")
    return values[0] if values else None
