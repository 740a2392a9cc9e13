"""Building tenants through the administration API: organizations, environments, users and keys,
and an environment furnished with a VPC, a network, an instance, a volume, an IP and a key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from cloudca.server.bootstrap import seeded_id
from tests.support import Api

SERVICE = seeded_id("serviceConnection", "compute-qc")
VPC_OFFERING = seeded_id("vpcOffering", "Default VPC offering")
NETWORK_OFFERING = seeded_id("networkOffering", "Standard Network")
ALLOW = seeded_id("networkAcl", "default_allow")
ROLES = ("Environment Admin", "User", "Read-only")


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


async def create_environment(
    api: Api, name: str, organization_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "description": f"The {name} environment",
        "serviceConnection": {"id": SERVICE},
    }
    if organization_id is not None:
        body["organization"] = {"id": organization_id}
    body.update(extra)
    result: dict[str, Any] = data(await api.http.post("/v1/environments", json=body))
    return result


async def create_user(
    api: Api, user_name: str, organization_id: str | None = None, roles: list[dict[str, Any]] | None = None
) -> tuple[dict[str, Any], str]:
    """A user and a key of theirs."""
    body: dict[str, Any] = {
        "userName": user_name,
        "firstName": user_name.title(),
        "lastName": "Tester",
        "email": f"{user_name}@example.test",
        "roles": roles or [],
    }
    if organization_id is not None:
        body["organization"] = {"id": organization_id}
    user: dict[str, Any] = data(await api.http.post("/v1/users", json=body))
    key = data(await api.http.post(f"/v1/users/{user['id']}/apikeys", json={"name": "tests"}))
    return user, key["apiKey"]


def role_id(environment: dict[str, Any], name: str) -> str:
    return next(role["id"] for role in environment["roles"] if role["name"].lower() == name.lower())


@dataclass
class Furnished:
    """What ``furnish`` made in one environment, by kind."""

    base: str
    ids: dict[str, str] = field(default_factory=dict)
    task_ids: list[str] = field(default_factory=list)


async def furnish(
    api: Api, environment: dict[str, Any], template: str, offering: str, prefix: str | None = None
) -> Furnished:
    """A VPC, a network, an instance with a data volume and port 22 forwarded, an SSH key, an IP;
    their names start with ``prefix`` (the environment's name by default)."""
    base = f"/v1/services/compute-qc/{environment['name']}"
    prefix = prefix or environment["name"]
    if environment["organization"]["entryPoint"] != "cloudca":
        base_query = {"org_id": environment["organization"]["id"]}
    else:
        base_query = {}
    made = Furnished(base=base)

    async def run(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await api.http.request(method, f"{base}/{path}", params=base_query, json=body or {})
        task = await api.finished(response)
        assert task["taskStatus"] == "SUCCESS", task
        made.task_ids.append(task["taskId"])
        result: dict[str, Any] = task["result"]
        return result

    vpc = await run(
        "POST",
        "vpcs",
        {"name": f"{prefix}-vpc", "description": "v", "vpcOfferingId": VPC_OFFERING},
    )
    network = await run(
        "POST",
        "networks",
        {
            "name": f"{prefix}-net",
            "description": "n",
            "vpcId": vpc["id"],
            "networkOfferingId": NETWORK_OFFERING,
            "networkAclId": ALLOW,
        },
    )
    key = await run(
        "POST",
        "sshkeys",
        {"name": f"{prefix}-key", "publicKey": _public_key(prefix)},
    )
    instance = await run(
        "POST",
        "instances",
        {
            "name": f"{prefix}-vm",
            "templateId": template,
            "computeOfferingId": offering,
            "networkId": network["id"],
            "portsToForward": ["22"],
        },
    )
    volume = await run(
        "POST",
        "volumes",
        {
            "name": f"{prefix}-vol",
            "diskOfferingId": seeded_id("diskOffering", "20GB - 20 IOPS Min."),
            "instanceId": instance["id"],
        },
    )
    ip = await run("POST", "publicipaddresses", {"vpcId": vpc["id"]})
    made.ids.update(
        vpc=vpc["id"],
        network=network["id"],
        sshkey=key["id"],
        instance=instance["id"],
        volume=volume["id"],
        publicip=ip["id"],
    )
    return made


def _public_key(comment: str) -> str:
    import base64
    import struct

    name = b"ssh-ed25519"
    raw = (comment.encode() * 32)[:32]
    blob = struct.pack(">I", len(name)) + name + struct.pack(">I", len(raw)) + raw
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"
