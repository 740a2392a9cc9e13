"""Teams (API-CONTRACT 3.2-3.4): environments, organizations, users, roles and API keys, driven
with the bodies the Go client and the Terraform provider put on the wire."""

from __future__ import annotations

import uuid
from typing import Any

from cloudca.server.runtime import Runtime
from tests.api.conftest import ServeFactory
from tests.api.tenants import SERVICE, VPC_OFFERING, create_environment, create_user, data, furnish, role_id
from tests.conftest import API_KEY
from tests.support import Api, error_of

ADMIN = {"MC-Api-Key": API_KEY}
#: What G's encoder makes of empty non-pointer structs and nil slices (contract 0.3).
G_ORGANIZATION_EMPTY = {"users": None, "environments": None, "roles": None}
G_ENVIRONMENT_EMPTY = {
    "organization": G_ORGANIZATION_EMPTY,
    "serviceConnection": {},
    "users": None,
    "roles": None,
}


def g_environment(name: str, organization_id: str, roles: list[dict[str, Any]] | None) -> dict[str, Any]:
    """``json.Marshal(configuration.Environment{...})`` as Terraform's ``getEnvironmentFromConfig``
    fills it (the vendored go-cloudca v1.4.0 structs)."""
    return {
        "name": name,
        "description": f"Environment {name}",
        "organization": {"id": organization_id, **G_ORGANIZATION_EMPTY},
        "serviceConnection": {"id": SERVICE},
        "users": None,
        "roles": roles,
    }


def g_role(name: str, user_ids: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "environment": G_ENVIRONMENT_EMPTY,
        "users": [
            {"id": user_id, "roles": None, "organization": G_ORGANIZATION_EMPTY} for user_id in user_ids
        ],
        "organization": G_ORGANIZATION_EMPTY,
    }


async def test_go_client_and_terraform_round_trip(api: Api) -> None:
    # What T does before a create: connection and organization ids, then user ids by name.
    connections = data(await api.http.get("/v1//services/connections"))
    assert [c["id"] for c in connections if c["serviceCode"].lower() == "compute-qc"] == [SERVICE]
    [organization] = data(await api.http.get("/v1//organizations"))
    pat, _ = await create_user(api, "pat")
    franz, _ = await create_user(api, "franz")
    listed = data(await api.http.get("/v1//users", params={"organizationId": organization["id"]}))
    by_name = {user["userName"]: user["id"] for user in listed}  # G reads "username" case-insensitively
    assert {"admin", "pat", "franz"} <= set(by_name)
    assert all(user["organization"]["id"] == organization["id"] for user in listed)
    assert data(await api.http.get("/v1/users", params={"organizationId": str(uuid.uuid4())})) == []

    created = data(
        await api.http.post(
            "/v1//environments",
            json=g_environment(
                "production",
                organization["id"],
                [g_role("Environment admin", [by_name["pat"]]), g_role("Read-only", [by_name["franz"]])],
            ),
        )
    )
    assert created["name"] == "production" and created["serviceConnection"]["serviceCode"] == "compute-qc"
    assert created["organization"]["entryPoint"] == organization["entryPoint"]
    members = {role["name"]: [user["userName"] for user in role["users"]] for role in created["roles"]}
    assert members == {"Environment Admin": ["pat"], "User": [], "Read-only": ["franz"]}
    assert [role["name"] for role in created["roles"] if role["isDefault"]] == ["User"]
    fetched = data(await api.http.get(f"/v1//environments/{created['id']}"))
    assert fetched == created
    assert {user["userName"] for user in fetched["users"]} == {"pat", "franz"}

    # T's update resends everything, with franz moved to the admin role and no read-only role.
    updated = data(
        await api.http.put(
            f"/v1//environments/{created['id']}",
            json={
                **g_environment(
                    "production", organization["id"], [g_role("Environment admin", [pat["id"], franz["id"]])]
                ),
                "description": "Prod",
            },
        )
    )
    members = {role["name"]: sorted(user["userName"] for user in role["users"]) for role in updated["roles"]}
    assert members == {"Environment Admin": ["franz", "pat"], "User": [], "Read-only": []}
    assert updated["description"] == "Prod"
    # D's curl updates with POST; an empty roles list for a role empties it.
    posted = data(
        await api.http.post(
            f"/v1/environments/{created['id']}",
            json={"roles": [{"id": role_id(updated, "Environment Admin"), "users": []}]},
        )
    )
    assert all(role["users"] == [] for role in posted["roles"])
    moved = await api.http.put(
        f"/v1/environments/{created['id']}", json={"serviceConnection": {"id": str(uuid.uuid4())}}
    )
    assert moved.status_code == 400 and error_of(moved)["errorCode"] == "INVALID_FIELD"

    # G's Delete: a DELETE with an empty body and the JSON content type; 204, empty; then 404.
    deleted = await api.http.request(
        "DELETE",
        f"/v1//environments/{created['id']}",
        content=b"",
        headers={"Content-Type": "application/json"},
    )
    assert (deleted.status_code, deleted.content) == (204, b"")
    gone = await api.http.get(f"/v1/environments/{created['id']}")
    assert gone.status_code == 404 and error_of(gone)["errorCode"] == "NOT_FOUND"
    assert (await api.http.delete(f"/v1/environments/{created['id']}")).status_code == 404
    assert (await api.http.get("/v1/services/compute-qc/production/instances")).status_code == 404
    # The name is free again at once.
    again = await create_environment(api, "production")
    assert again["id"] != created["id"]


async def test_environment_bodies_are_checked(api: Api) -> None:
    missing = await api.http.post("/v1/environments", json={"name": "x", "description": "d"})
    assert error_of(missing)["errorCode"] == "MISSING_FIELD"
    bad_name = await api.http.post(
        "/v1/environments",
        json={"name": "Not Valid", "description": "d", "serviceConnection": {"id": SERVICE}},
    )
    assert error_of(bad_name)["errorCode"] == "INVALID_FIELD"
    await create_environment(api, "dev")
    duplicate = await api.http.post(
        "/v1/environments", json={"name": "dev", "description": "d", "serviceConnection": {"id": SERVICE}}
    )
    assert duplicate.status_code == 400 and error_of(duplicate)["errorCode"] == "DUPLICATE"
    unknown_user = await api.http.post(
        "/v1/environments",
        json={
            "name": "qa",
            "description": "d",
            "serviceConnection": {"id": SERVICE},
            "roles": [{"name": "User", "users": [{"id": str(uuid.uuid4())}]}],
        },
    )
    assert unknown_user.status_code == 400 and error_of(unknown_user)["errorCode"] == "INVALID_FIELD"
    everyone = await create_environment(api, "shared", membership="all_org_users")
    assert everyone["membership"] == "ALL_ORG_USERS"
    _, key = await create_user(api, "newcomer")
    listed = data(await api.http.get("/v1/environments", headers={"MC-Api-Key": key}))
    assert [environment["name"] for environment in listed] == ["shared"]


async def test_roles_decide_what_a_key_may_do(api: Api, catalog: dict[str, Any]) -> None:
    dev = await create_environment(api, "dev")
    _, reader = await create_user(api, "reader", roles=[{"id": role_id(dev, "Read-only")}])
    _, worker = await create_user(api, "worker", roles=[{"name": "User", "environment": {"id": dev["id"]}}])
    _, stranger = await create_user(api, "stranger")
    as_reader, as_worker, as_stranger = ({"MC-Api-Key": key} for key in (reader, worker, stranger))
    vpc_body = {"name": "v", "description": "v", "vpcOfferingId": VPC_OFFERING}
    refused = await api.http.post("/v1/services/compute-qc/dev/vpcs", json=vpc_body, headers=as_reader)
    assert refused.status_code == 403 and error_of(refused)["errorCode"] == "FORBIDDEN"
    assert (await api.http.get("/v1/services/compute-qc/dev/vpcs", headers=as_reader)).status_code == 200
    assert (
        await api.http.post("/v1/services/compute-qc/dev/vpcs", json=vpc_body, headers=as_worker)
    ).status_code == 200
    assert (await api.http.get("/v1/services/compute-qc/dev/vpcs", headers=as_stranger)).status_code == 403
    assert (await api.http.get("/v1/services/compute-qc/prod/vpcs", headers=as_worker)).status_code == 403
    # Outside environments only organization admins change anything.
    for method, path in (
        ("POST", "/v1/environments"),
        ("PUT", f"/v1/environments/{dev['id']}"),
        ("POST", "/v1/users"),
    ):
        response = await api.http.request(method, path, json={}, headers=as_worker)
        assert response.status_code == 403, (method, path)
    # A user sees themselves only.
    assert [user["userName"] for user in data(await api.http.get("/v1/users", headers=as_worker))] == [
        "worker"
    ]
    admin_id = data(await api.http.get("/v1/users"))[0]["id"]
    assert (await api.http.get(f"/v1/users/{admin_id}", headers=as_worker)).status_code == 403


async def test_api_keys_several_per_user_shown_once_revoked_at_once(api: Api) -> None:
    user, first = await create_user(api, "dana")
    keys_path = f"/v1/users/{user['id']}/apikeys"
    own = {"MC-Api-Key": first}
    second = data(await api.http.post(keys_path, json={"name": "dashboard"}, headers=own))
    assert second["name"] == "dashboard" and len(second["apiKey"]) >= 40
    listed = data(await api.http.get(keys_path, headers=own))
    assert [key["name"] for key in listed] == ["tests", "dashboard"]
    assert all("apiKey" not in key for key in listed)
    assert "lastUsed" in listed[0] and "lastUsed" not in listed[1]
    assert data(await api.http.get(f"{keys_path}/{second['id']}")) == listed[1]
    # The key works, then is refused from the moment its revocation is answered.
    with_second = {"MC-Api-Key": second["apiKey"]}
    assert (await api.http.get("/v1/users", headers=with_second)).status_code == 200
    assert (await api.http.delete(f"{keys_path}/{second['id']}", headers=own)).status_code == 204
    refused = await api.http.get("/v1/users", headers=with_second)
    assert refused.status_code == 401 and error_of(refused)["errorCode"] == "UNAUTHORIZED"
    assert [key["name"] for key in data(await api.http.get(keys_path))] == ["tests"]
    # Someone else's keys are not a user's business.
    _, other = await create_user(api, "eve")
    assert (await api.http.get(keys_path, headers={"MC-Api-Key": other})).status_code == 403
    assert (await api.http.post(keys_path, json={}, headers={"MC-Api-Key": other})).status_code == 403
    # Deleting the user ends all of their keys.
    assert (await api.http.delete(f"/v1/users/{user['id']}")).status_code == 204
    assert (await api.http.get("/v1/users", headers=own)).status_code == 401


async def test_revocation_holds_in_every_process_at_once(serve: ServeFactory) -> None:
    """Two servers on one database: a key revoked through one is refused by the other at once,
    although the other had just resolved it (issue 10: no 5 s grace in any process)."""
    async with serve() as first, serve() as second:
        user, key = await create_user(first.api, "kim")
        [listed] = data(await first.http.get(f"/v1/users/{user['id']}/apikeys"))
        headers = {"MC-Api-Key": key}
        assert (await second.http.get("/v1/users", headers=headers)).status_code == 200
        assert (await first.http.delete(f"/v1/users/{user['id']}/apikeys/{listed['id']}")).status_code == 204
        assert (await second.http.get("/v1/users", headers=headers)).status_code == 401
        assert (
            await second.http.get("/v1/services/compute-qc/prod/zones", headers=headers)
        ).status_code == 401


async def test_sub_organizations_and_org_id(api: Api) -> None:
    [root] = data(await api.http.get("/v1/organizations"))
    child = data(await api.http.post("/v1/organizations", json={"name": "Child", "entryPoint": "child"}))
    assert child["parent"] == {"id": root["id"], "name": root["name"]}
    assert {org["entryPoint"] for org in data(await api.http.get("/v1/organizations"))} == {
        "cloudca",
        "child",
    }
    duplicate = await api.http.post("/v1/organizations", json={"name": "Again", "entryPoint": "child"})
    assert error_of(duplicate)["errorCode"] == "DUPLICATE"
    await create_environment(api, "sandbox", organization_id=child["id"])
    for org_id in (child["id"], "child"):
        response = await api.http.get("/v1/services/compute-qc/sandbox/zones", params={"org_id": org_id})
        assert response.status_code == 200, response.text
    assert (await api.http.get("/v1/services/compute-qc/sandbox/zones")).status_code == 404
    # The child's own admin sees the child only, and cannot reach the parent.
    _, child_admin = await create_user(
        api, "childadmin", organization_id=child["id"], roles=[{"name": "Administrator"}]
    )
    as_child = {"MC-Api-Key": child_admin}
    assert [org["id"] for org in data(await api.http.get("/v1/organizations", headers=as_child))] == [
        child["id"]
    ]
    assert (await api.http.get(f"/v1/organizations/{root['id']}", headers=as_child)).status_code == 404
    response = await api.http.get(
        "/v1/services/compute-qc/prod/zones", params={"org_id": root["id"]}, headers=as_child
    )
    assert response.status_code == 403
    updated = data(
        await api.http.put(
            f"/v1/organizations/{child['id']}", json={"name": "Child Co", "entryPoint": "child"}
        )
    )
    assert updated["name"] == "Child Co"
    in_use = await api.http.delete(f"/v1/organizations/{child['id']}")
    assert in_use.status_code == 400 and error_of(in_use)["errorCode"] == "ENTITY_IN_USE"
    own = await api.http.delete(f"/v1/organizations/{root['id']}")
    assert own.status_code == 403


async def test_users_update_unlock_and_delete(api: Api) -> None:
    dev = await create_environment(api, "dev")
    user, key = await create_user(api, "sam", roles=[{"id": role_id(dev, "User")}])
    assert [role["name"] for role in user["roles"]] == ["End-User", "User"]
    assert user["environments"] == [{"id": dev["id"], "name": "dev"}]
    duplicate = await api.http.post(
        "/v1/users", json={"userName": "sam", "firstName": "a", "lastName": "b", "email": "c"}
    )
    assert error_of(duplicate)["errorCode"] == "DUPLICATE"
    updated = data(
        await api.http.put(
            f"/v1/users/{user['id']}", json={"firstName": "Samuel", "roles": [{"name": "Administrator"}]}
        )
    )
    assert updated["firstName"] == "Samuel" and [role["name"] for role in updated["roles"]] == [
        "Administrator"
    ]
    # Now an organization admin: may create environments.
    assert (
        await api.http.post(
            "/v1/environments",
            json={"name": "sams", "description": "d", "serviceConnection": {"id": SERVICE}},
            headers={"MC-Api-Key": key},
        )
    ).status_code == 200
    assert data(await api.http.post(f"/v1/users/{user['id']}/unlock"))["status"] == "ACTIVE"
    myself = data(await api.http.get("/v1/users"))[0]
    assert (await api.http.delete(f"/v1/users/{myself['id']}")).status_code == 403


async def test_deleting_an_environment_destroys_what_it_held(
    api: Api, runtime: Runtime, catalog: dict[str, Any]
) -> None:
    dev = await create_environment(api, "dev")
    hosts_before = await _host_usage(api, runtime)
    made = await furnish(api, dev, catalog["template"], catalog["offering"])
    assert (await api.http.delete(f"/v1/environments/{dev['id']}")).status_code == 204
    assert (await api.http.get(f"{made.base}/instances/{made.ids['instance']}")).status_code == 404
    teardown = await _teardown_task(runtime, dev["id"])
    task = await api.task(teardown)
    assert task["taskStatus"] == "SUCCESS", task
    assert await runtime.driver.power_state(made.ids["instance"]) is None
    assert await _host_usage(api, runtime) == hosts_before
    # The environment's tasks went with it: nobody may read them any more.
    assert (await api.http.get(f"/v1/tasks/{made.task_ids[0]}")).status_code == 404
    again = await create_environment(api, "dev")
    assert data(await api.http.get("/v1/services/compute-qc/dev/instances")) == []
    assert again["id"] != dev["id"]


async def _teardown_task(runtime: Runtime, environment_id: str) -> str:
    from sqlalchemy import select

    from cloudca.server.tasks.models import Task

    async with runtime.database.session() as session:
        task_id: str = (
            await session.execute(
                select(Task.id).where(Task.kind == "environments.delete", Task.entity_id == environment_id)
            )
        ).scalar_one()
    return task_id


async def _host_usage(api: Api, runtime: Runtime) -> list[tuple[int, int]]:
    from sqlalchemy import select

    from cloudca.server.placement.models import Host

    async with runtime.database.session() as session:
        return [
            (row.cpu_used, row.memory_mb_used)
            for row in (await session.execute(select(Host).order_by(Host.id))).scalars()
        ]
