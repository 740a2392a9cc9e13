"""Isolation, proven rather than assumed: two organizations, each with an environment of the same
name furnished with a VPC, a network, an instance, a volume, a public IP, an SSH key and tasks, and
users of every role. Every served route, taken from the app's route table (so a route added later
is walked too), is called with every role's key:

- with the caller's own ids: the status its role allows (403 for what it may not do, 404 for tasks
  of environments it may not see);
- with the other organization's ids: never a success, and never a byte of the other tenant's ids
  or names in any answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, routing

from tests.api.tenants import SERVICE, create_environment, create_user, data, furnish, role_id
from tests.support import Api

ROLES = ("orgadmin", "envadmin", "user", "readonly", "outsider")
#: The path segment before an id names what kind of id goes there.
KIND_BY_SEGMENT = {
    "organizations": "organization",
    "environments": "environment",
    "users": "user",
    "apikeys": "apikey",
    "tasks": "task",
    "instances": "instance",
    "vpcs": "vpc",
    "networks": "network",
    "sshkeys": "sshkey",
    "volumes": "volume",
    "publicipaddresses": "publicip",
}
#: Shared by every tenant: not the other tenant's.
SHARED_SEGMENTS = {"connections"}
READS = {"GET", "HEAD"}
#: Query parameters a route requires.
QUERIES = {
    "/v1/usage_summary/organizations/{organization_id}": {
        "start_date": "2026-01-01",
        "end_date": "2026-02-01",
    }
}


@dataclass
class Tenant:
    name: str
    ids: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)


async def make_tenant(api: Api, catalog: dict[str, Any], name: str) -> Tenant:
    tenant = Tenant(name)
    organization = data(
        await api.http.post("/v1/organizations", json={"name": f"{name} Corp", "entryPoint": name})
    )
    environment = await create_environment(api, "work", organization_id=organization["id"])
    roles = {
        "orgadmin": [{"name": "Administrator"}],
        "envadmin": [{"id": role_id(environment, "Environment Admin")}],
        "user": [{"id": role_id(environment, "User")}],
        "readonly": [{"id": role_id(environment, "Read-only")}],
        "outsider": [],
    }
    for role, grants in roles.items():
        user, key = await create_user(api, f"{name}-{role}", organization_id=organization["id"], roles=grants)
        tenant.keys[role], tenant.user_ids[role] = key, user["id"]
        [listed] = data(await api.http.get(f"/v1/users/{user['id']}/apikeys"))
        tenant.key_ids[role] = listed["id"]
    made = await furnish(api, environment, catalog["template"], catalog["offering"], prefix=name)
    tenant.ids.update(
        made.ids, organization=organization["id"], environment=environment["id"], task=made.task_ids[-1]
    )
    tenant.secrets = {
        *made.ids.values(),
        *made.task_ids,
        *tenant.user_ids.values(),
        *tenant.key_ids.values(),
        organization["id"],
        environment["id"],
        *(role["id"] for role in environment["roles"]),
        f"{name} Corp",
        f"{name}-",  # every user and resource name of the tenant starts so
    }
    return tenant


def served_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route of the API, from the app's route table."""
    pairs = []
    for context in routing.iter_route_contexts(app.routes):
        path, methods = context.path, context.methods or set()
        if path and path.startswith("/v1/"):
            pairs.extend((method, path) for method in sorted(methods - {"HEAD"}))
    return sorted(set(pairs))


def fill(template: str, ids: dict[str, str], role: str) -> tuple[str, bool, bool]:
    """The concrete path, whether it names an id of an unknown kind (then 404 whoever asks), and
    whether it names any tenant entity at all."""
    parts = template.split("/")
    out, unknown, names_entity = [], False, False
    for index, part in enumerate(parts):
        if part == "{service_code}":
            out.append("compute-qc")
        elif part == "{environment_name}":
            out.append("work")
        elif part.startswith("{"):
            segment = parts[index - 1]
            if segment in SHARED_SEGMENTS:
                out.append(SERVICE)
                continue
            kind = KIND_BY_SEGMENT.get(segment)
            value = ids.get(f"{kind}:{role}") or ids.get(kind or "")
            if value is None:
                unknown = True
                value = str(uuid.uuid4())
            else:
                names_entity = True
            out.append(value)
        else:
            out.append(part)
    return "/".join(out), unknown, names_entity


def own_ids(tenant: Tenant) -> dict[str, str]:
    """Each caller's user and key are their own (a user may read themselves)."""
    ids = dict(tenant.ids)
    for role in ROLES:
        ids[f"user:{role}"] = tenant.user_ids[role]
        ids[f"apikey:{role}"] = tenant.key_ids[role]
    return ids


def expected_own(role: str, method: str, template: str, unknown: bool) -> str:
    """``refused`` (403), ``hidden`` (404), ``ok`` (200), ``allowed`` (any answer but 401/403/5xx)
    or ``skip`` (a DELETE that would dismantle the fixture; deletions are tested elsewhere)."""
    in_environment = template.startswith("/v1/services/{service_code}/")
    reads = method in READS
    if in_environment:
        if role == "outsider" or (role == "readonly" and not reads):
            return "refused"
    elif template.startswith("/v1/tasks/"):
        if role == "outsider":
            return "hidden"
    elif (
        (template == "/v1/environments/{environment_id}" and reads and role == "outsider")
        or (template.startswith("/v1/usage_summary/") and role != "orgadmin")
        # Server-wide figures: for administrators of the root organization only (tenants are below it).
        or template == "/v1/metrics"
        or (not reads and role != "orgadmin" and not template.startswith("/v1/users/{user_id}/apikeys"))
    ):
        return "refused"
    if method == "DELETE":
        return "skip"
    if reads:
        return "hidden" if unknown else "ok"
    return "allowed"


@pytest.fixture
async def tenants(api: Api, catalog: dict[str, Any]) -> tuple[Tenant, Tenant]:
    return await make_tenant(api, catalog, "alpha"), await make_tenant(api, catalog, "beta")


async def test_every_route_with_every_role(app: FastAPI, api: Api, tenants: tuple[Tenant, Tenant]) -> None:
    routes = served_routes(app)
    assert len(routes) > 60 and ("DELETE", "/v1/environments/{environment_id}") in routes
    failures: list[str] = []
    for tenant, other in (tenants, tenants[::-1]):
        for role in ROLES:
            headers = {"MC-Api-Key": tenant.keys[role]}
            for method, template in routes:
                failures += await _own(api, tenant, other, role, method, template, headers)
                failures += await _foreign(api, tenant, other, role, method, template, headers)
    assert failures == [], "\n".join(failures)


async def _own(
    api: Api, tenant: Tenant, other: Tenant, role: str, method: str, template: str, headers: dict[str, str]
) -> list[str]:
    path, unknown, _ = fill(template, own_ids(tenant), role)
    expected = expected_own(role, method, template, unknown)
    if expected == "skip":
        return []
    response = await api.http.request(method, path, params=QUERIES.get(template), json={}, headers=headers)
    status, problems = response.status_code, _leaks(response.text, other, path)
    wanted = {"refused": {403}, "hidden": {404}, "ok": {200}}.get(expected)
    if wanted is not None and status not in wanted:
        problems.append(f"status {status}, expected {expected}")
    if expected == "allowed" and (status in (401, 403) or status >= 500):
        problems.append(f"status {status}, expected allowed")
    return [f"{tenant.name}/{role} {method} {template} (own): {problem}" for problem in problems]


async def _foreign(
    api: Api, tenant: Tenant, other: Tenant, role: str, method: str, template: str, headers: dict[str, str]
) -> list[str]:
    path, _, names_entity = fill(template, own_ids(other), role)
    if not names_entity:
        return []
    response = await api.http.request(method, path, params=QUERIES.get(template), json={}, headers=headers)
    status, problems = response.status_code, _leaks(response.text, other, path)
    if status < 400 or status >= 500 or status == 401:
        problems.append(f"status {status} for another tenant's id")
    return [f"{tenant.name}/{role} {method} {template} (foreign): {problem}" for problem in problems]


def _leaks(text: str, other: Tenant, path: str) -> list[str]:
    """The other tenant's ids and names in an answer; an error naming the id the caller asked for
    (``context.id``) repeats the request, it reveals nothing."""
    return [
        f"answer contains {secret!r}"
        for secret in sorted(other.secrets)
        if secret in text and secret not in path
    ]


async def test_every_route_wants_a_key(app: FastAPI, api: Api) -> None:
    for method, template in served_routes(app):
        path, _, _ = fill(template, {}, "")
        response = await api.http.request(method, path, json={}, headers={"MC-Api-Key": ""})
        assert response.status_code == 401, (method, template, response.text)
        assert response.json()["errors"][0]["errorCode"] == "UNAUTHORIZED"


async def test_tasks_are_visible_to_who_may_see_their_environment(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    alpha, beta = tenants
    task = alpha.ids["task"]
    for role in ROLES:
        response = await api.http.get(f"/v1/tasks/{task}", headers={"MC-Api-Key": alpha.keys[role]})
        assert response.status_code == (404 if role == "outsider" else 200), role
        response = await api.http.get(f"/v1/tasks/{task}", headers={"MC-Api-Key": beta.keys[role]})
        assert response.status_code == 404, role
