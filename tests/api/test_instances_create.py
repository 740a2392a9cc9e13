"""Creating an instance (API-CONTRACT 4.2): validation before any task, and the task itself."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import Nic
from cloudca.server.runtime import Runtime
from cloudca.server.storage.models import Volume
from tests.api.conftest import GatedSimulator, Server, public_key, register_ssh_key
from tests.support import BASE, Api, error_of


def _body(catalog: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "name": "ultron",
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


async def _refused(api: Api, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.http.post(f"{BASE}/instances", json=body)
    assert response.status_code == 400, response.text
    error_of(response)
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


async def _count(runtime: Runtime, model: Any) -> int:
    async with runtime.database.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_minimum_body_creates_a_running_instance(api: Api, catalog: dict[str, Any]) -> None:
    response = await api.http.post(f"{BASE}/instances", json=_body(catalog))
    assert response.status_code == 200
    accepted = response.json()
    assert accepted["taskStatus"] in ("PENDING", "SUCCESS") and "errors" not in accepted
    result = await api.succeeded(response)
    assert result["state"] == "Running" and result["name"] == "ultron"
    assert isinstance(result["password"], str) and len(result["password"]) >= 8
    assert (await api.get_instance(result["id"]))["state"] == "Running"


async def test_each_required_field_is_missing_field(
    api: Api, runtime: Runtime, catalog: dict[str, Any]
) -> None:
    for field in ("name", "templateId", "computeOfferingId", "networkId"):
        for absent in (..., None, ""):  # null and "" mean absent
            errors = await _refused(api, _body(catalog, **{field: absent}))
            assert [(e["code"], e["errorCode"], e["context"]) for e in errors] == [
                (1001, "MISSING_FIELD", {"field": field})
            ], (field, absent)
    assert await _count(runtime, Instance) == 0


async def test_empty_body_reports_every_missing_field(api: Api) -> None:
    response = await api.http.post(
        f"{BASE}/instances", content=b"", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    fields = {error["context"]["field"] for error in response.json()["errors"]}
    assert fields == {"name", "templateId", "computeOfferingId", "networkId"}


INVALID: list[tuple[str, Any]] = [
    ("name", 42),
    ("name", "x" * 256),
    ("templateId", "not-a-uuid"),
    ("templateId", str(uuid.uuid4())),  # a body reference to a missing entity: 400, never 404
    ("computeOfferingId", str(uuid.uuid4())),
    ("networkId", str(uuid.uuid4())),
    ("networkId", 12),
    ("diskOfferingId", str(uuid.uuid4())),
    ("volumeIdToAttach", str(uuid.uuid4())),
    ("affinityGroupId", str(uuid.uuid4())),
    ("affinityGroupIds", "not-a-list"),
    ("dedicatedGroupId", str(uuid.uuid4())),
    ("sshKeyName", "no-such-key"),
    ("publicKey", "ssh-rsa not-base64!"),
    ("portsToForward", ["0"]),
    ("portsToForward", [65536]),
    ("portsToForward", ["80", 80]),
    ("portsToForward", "80"),
    ("userData", "x" * 32769),
    ("userData", 7),
    ("hostname", "has space"),
    ("hostname", "dots.not.allowed"),
    ("hostname", "h" * 64),
    ("rootVolumeSizeInGb", 30),  # CentOS is not resizable
    ("rootVolumeSizeInGb", "big"),
    ("ipAddress", "10.164.213.10"),  # outside the network's CIDR
    ("ipAddress", "10.164.212.1"),  # gateway
    ("ipAddress", "10.164.212.0"),  # network address
    ("ipAddress", "10.164.212.255"),  # broadcast
    ("ipAddress", "not-an-ip"),
]


async def test_invalid_fields(api: Api, runtime: Runtime, catalog: dict[str, Any]) -> None:
    for field, value in INVALID:
        errors = await _refused(api, _body(catalog, **{field: value}))
        assert {(e["code"], e["errorCode"]) for e in errors} == {(1002, "INVALID_FIELD")}, (field, value)
        assert errors[0]["context"]["field"].split(".")[0] == field
        assert "value" in errors[0]["context"]
    assert await _count(runtime, Instance) == 0


async def test_invalid_field_context_names_the_value(api: Api, catalog: dict[str, Any]) -> None:
    missing = str(uuid.uuid4())
    [error] = await _refused(api, _body(catalog, templateId=missing))
    assert error["context"]["field"] == "templateId"
    assert error["context"]["value"] == missing
    assert isinstance(error["message"], str) and error["message"]


async def test_integers_may_be_strings(api: Api, catalog: dict[str, Any]) -> None:
    result = await api.create_instance(
        catalog,
        computeOfferingId=catalog["offering_custom"],
        cpuCount="2",
        memoryInMB="2048",
        diskOfferingId=catalog["disk_custom_size"],
        additionalDiskSizeInGb="20",
        portsToForward=["22", 8080],
    )
    assert (result["cpuCount"], result["memoryInMB"]) == (2, 2048)
    assert result["computeOfferingId"] == catalog["offering_custom"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({}, {("MISSING_FIELD", "cpuCount"), ("MISSING_FIELD", "memoryInMB")}),
        ({"cpuCount": 3, "memoryInMB": 1024}, {("INVALID_FIELD", "cpuCount")}),
        ({"cpuCount": 1, "memoryInMB": 1000}, {("INVALID_FIELD", "memoryInMB")}),
        ({"cpuCount": 1, "memoryInMB": 16384}, {("INVALID_FIELD", "memoryInMB")}),  # ratio > 8192
        ({"cpuCount": "two", "memoryInMB": 1024}, {("INVALID_FIELD", "cpuCount")}),
        ({"cpuCount": 2.5, "memoryInMB": 1024}, {("INVALID_FIELD", "cpuCount")}),
    ],
)
async def test_custom_offering_rules(
    api: Api, catalog: dict[str, Any], fields: dict[str, Any], problem: set[tuple[str, str]]
) -> None:
    errors = await _refused(api, _body(catalog, computeOfferingId=catalog["offering_custom"], **fields))
    assert {(e["errorCode"], e["context"]["field"]) for e in errors} == problem


async def test_custom_values_are_ignored_for_a_fixed_offering(api: Api, catalog: dict[str, Any]) -> None:
    result = await api.create_instance(catalog, cpuCount=16, memoryInMB=32768)
    assert (result["cpuCount"], result["memoryInMB"]) == (1, 512)


async def test_root_volume_size(api: Api, runtime: Runtime, catalog: dict[str, Any]) -> None:
    [too_small] = await _refused(
        api, _body(catalog, templateId=catalog["template_resizable"], rootVolumeSizeInGb=4)
    )
    assert too_small["context"]["field"] == "rootVolumeSizeInGb"
    result = await api.create_instance(
        catalog, templateId=catalog["template_resizable"], rootVolumeSizeInGb="50"
    )
    async with runtime.database.session() as session:
        sizes = (
            await session.execute(select(Volume.size_gb).where(Volume.instance_id == result["id"]))
        ).scalars()
        assert list(sizes) == [50]


async def test_user_data_at_the_limit_is_kept_verbatim(api: Api, catalog: dict[str, Any]) -> None:
    data = "#!/bin/bash\n" + "é" * (32768 - 12)
    result = await api.create_instance(catalog, userData=data)
    assert (await api.get_instance(result["id"]))["userData"] == data


async def test_hostname_defaults_to_name_and_may_be_given(api: Api, catalog: dict[str, Any]) -> None:
    named = await api.create_instance(catalog, name="hal")
    assert named["hostname"] == "hal"
    given = await api.create_instance(catalog, name="hal", hostname="hal_9000-b")
    assert given["hostname"] == "hal_9000-b"
    assert named["id"] != given["id"]  # names need not be unique


async def test_requested_ip_address(api: Api, catalog: dict[str, Any]) -> None:
    result = await api.create_instance(catalog, ipAddress="10.164.212.77")
    assert result["ipAddress"] == "10.164.212.77"
    [error] = await _refused(api, _body(catalog, ipAddress="10.164.212.77"))
    assert (error["code"], error["errorCode"]) == (2015, "DUPLICATE")
    assert error["context"] == {"field": "ipAddress", "value": "10.164.212.77"}
    other_network = await api.create_instance(
        catalog, networkId=catalog["network_db"], ipAddress="10.164.213.77"
    )
    assert other_network["ipAddress"] == "10.164.213.77"


async def test_ssh_key_name_and_public_key(api: Api, runtime: Runtime, catalog: dict[str, Any]) -> None:
    await register_ssh_key(api, "mysshkey")
    with_name = await api.create_instance(catalog, sshKeyName="mysshkey")
    assert with_name["sshKeyName"] == "mysshkey"
    with_key = await api.create_instance(catalog, publicKey=public_key("raw"))
    assert "sshKeyName" not in with_key
    errors = await _refused(api, _body(catalog, sshKeyName="mysshkey", publicKey=public_key("raw")))
    assert errors[0]["errorCode"] == "INVALID_FIELD"
    assert errors[0]["context"]["field"] in ("sshKeyName", "publicKey")


async def test_disk_fields_are_checked_against_the_offering(api: Api, catalog: dict[str, Any]) -> None:
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"additionalDiskSizeInGb": 10}, ("INVALID_FIELD", "additionalDiskSizeInGb")),
        ({"diskOfferingId": catalog["disk_custom_size"]}, ("MISSING_FIELD", "additionalDiskSizeInGb")),
        (
            {"diskOfferingId": catalog["disk_fixed"], "additionalDiskSizeInGb": 5},
            ("INVALID_FIELD", "additionalDiskSizeInGb"),
        ),
        (
            {"diskOfferingId": catalog["disk_fixed"], "additionalDiskIops": 500},
            ("INVALID_FIELD", "additionalDiskIops"),
        ),
        (
            {"diskOfferingId": catalog["disk_custom_iops"], "additionalDiskIops": 5},
            ("INVALID_FIELD", "additionalDiskIops"),
        ),
    ]
    for fields, expected in cases:
        errors = await _refused(api, _body(catalog, **fields))
        assert {(e["errorCode"], e["context"]["field"]) for e in errors} == {expected}, fields
    result = await api.create_instance(
        catalog, diskOfferingId=catalog["disk_custom_iops"], additionalDiskIops="500"
    )
    assert result["state"] == "Running"


async def test_go_client_body_is_accepted(api: Api, catalog: dict[str, Any]) -> None:
    body = _body(
        catalog,
        recoveryPoint={},
        id="",
        state="",
        zoneId=None,
        projectId="whatever",
        password="ignored",
        isPasswordEnabled=False,
        publicIPs=None,
        nics=[],
        someFutureField={"nested": True},
        additionalDiskSizeInGb="",
        sshKeyName="",
        userData=None,
    )
    result = await api.succeeded(await api.http.post(f"{BASE}/instances", json=body))
    assert result["state"] == "Running" and result["password"] != "ignored"


async def test_body_must_be_a_json_object(api: Api) -> None:
    for content in (b"[1, 2]", b'"text"', b"{not json", b'{"name": "x",}'):
        response = await api.http.post(
            f"{BASE}/instances", content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert error_of(response)["errorCode"] == "BAD_REQUEST"


async def test_instance_is_starting_while_its_task_runs(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    gate = driver.hold("start")
    response = await server.http.post(f"{BASE}/instances", json=_body(catalog))
    assert response.json()["taskStatus"] == "PENDING"
    await gate.reached()
    task_id = response.json()["taskId"]
    pending = (await server.http.get(f"/v1/tasks/{task_id}")).json()
    assert pending["taskStatus"] == "PENDING"
    [item] = (await server.http.get(f"{BASE}/instances")).json()["data"]
    assert item["state"] == "Starting"
    assert (await server.api.get_instance(item["id"]))["state"] == "Starting"
    gate.release()
    result = (await server.api.task(task_id))["result"]
    assert result["id"] == item["id"] and result["state"] == "Running"


async def test_failed_create_leaves_nothing(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    driver.inject_fault("start")
    before = {model: await _count(server.runtime, model) for model in (Instance, Nic, Volume)}
    task = await server.api.finished(await server.http.post(f"{BASE}/instances", json=_body(catalog)))
    assert task["taskStatus"] == "FAILED"
    assert task["result"]["errors"][0]["errorCode"] == "INTERNAL_ERROR"
    assert {model: await _count(server.runtime, model) for model in (Instance, Nic, Volume)} == before
    assert (await server.http.get(f"{BASE}/instances")).json()["metadata"]["recordCount"] == 0


async def test_password_only_for_password_enabled_templates(api: Api, catalog: dict[str, Any]) -> None:
    ssh_only = await api.create_instance(
        catalog, templateId=catalog["template_ssh_only"], publicKey=public_key()
    )
    assert "password" not in ssh_only
    assert ssh_only["isPasswordEnabled"] is False and ssh_only["isSshKeyEnabled"] is True
    with_password = await api.create_instance(catalog)
    assert with_password["password"]
