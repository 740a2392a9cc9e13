"""The instance state machine (API-CONTRACT 5.2) and the operations' own rules (4.3-4.5)."""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cloudca.server.instances.models import RecoveryPoint
from cloudca.server.runtime import Runtime
from tests.api.conftest import GatedSimulator, Server, public_key, register_ssh_key
from tests.support import BASE, Api, error_of

RUNNING, STOPPED, DESTROYED, ERROR = "Running", "Stopped", "Destroyed", "Error"
REFUSAL = re.compile(r"^Cannot [a-zA-Z ]+ an instance that isn't in the [a-z ]+ state$")

#: Operation -> states it is allowed from (contract 5.2's matrix).
ALLOWED: dict[str, tuple[str, ...]] = {
    "start": (STOPPED,),
    "stop": (RUNNING,),
    "reboot": (RUNNING, STOPPED),
    "update": (RUNNING, STOPPED, ERROR),
    "changeComputeOffering": (RUNNING, STOPPED),
    "changeNetwork": (RUNNING, STOPPED),
    "associateSSHKey": (RUNNING, STOPPED),
    "resetPassword": (RUNNING, STOPPED),
    "createRecoveryPoint": (RUNNING, STOPPED),
    "destroy": (RUNNING, STOPPED, ERROR),
    "purge": (DESTROYED,),
    "recover": (DESTROYED,),
}


class Ops:
    """Sends each operation of the matrix with a valid body."""

    def __init__(self, api: Api, catalog: dict[str, Any]) -> None:
        self.api = api
        self.catalog = catalog

    async def send(self, instance: dict[str, Any], operation: str) -> httpx.Response:
        instance_id = instance["id"]
        if operation == "update":
            return await self.api.http.put(f"{BASE}/instances/{instance_id}", json={"name": "renamed"})
        if operation == "destroy":
            return await self.api.http.delete(f"{BASE}/instances/{instance_id}")
        current = await self.api.get_instance(instance_id)
        bodies: dict[str, dict[str, Any]] = {
            "changeComputeOffering": {
                "computeOfferingId": self.catalog["offering_big"]
                if current["computeOfferingId"] == self.catalog["offering"]
                else self.catalog["offering"]
            },
            "changeNetwork": {
                "networkId": self.catalog["network_db"]
                if current["networkId"] == self.catalog["network"]
                else self.catalog["network"]
            },
            "associateSSHKey": {"sshKeyName": "matrix-key"},
            "createRecoveryPoint": {"recoveryPoint": {"name": "rp", "description": "before"}},
        }
        return await self.api.operation(instance_id, operation, bodies.get(operation))


def _expect_invalid_state(response: httpx.Response, instance_id: str, current: str, operation: str) -> None:
    assert response.status_code == 400, (operation, current, response.text)
    error = error_of(response)
    assert (error["code"], error["errorCode"]) == (2012, "INVALID_STATE"), (operation, error)
    assert error["context"] == {
        "id": instance_id,
        "type": "instances",
        "currentState": current,
        "expectedStates": list(ALLOWED[operation]),
    }, operation
    assert REFUSAL.match(error["message"]), error["message"]


async def _in_state(api: Api, driver: GatedSimulator, catalog: dict[str, Any], state: str) -> dict[str, Any]:
    instance = await api.create_instance(catalog)
    if state == STOPPED:
        await api.succeeded(await api.operation(instance["id"], "stop"))
    elif state == DESTROYED:
        await api.succeeded(await api.http.delete(f"{BASE}/instances/{instance['id']}"))
    elif state == ERROR:
        # As a backend failure makes it: the machine vanishes while a stop is under way.
        gate = driver.hold("stop")
        stopping = await api.operation(instance["id"], "stop")
        await gate.reached()
        await driver.destroy(instance["id"])
        gate.release()
        assert (await api.finished(stopping))["taskStatus"] == "FAILED"
    assert (await api.get_instance(instance["id"]))["state"] == state
    return instance


#: Allowed operations whose result state differs from the starting one, and how to get back.
RESULT: dict[tuple[str, str], str] = {
    ("stop", RUNNING): STOPPED,
    ("start", STOPPED): RUNNING,
    ("reboot", STOPPED): RUNNING,
    ("recover", DESTROYED): STOPPED,
}
BACK: dict[str, str] = {RUNNING: "start", STOPPED: "stop", DESTROYED: "destroy"}


@pytest.mark.parametrize("state", [RUNNING, STOPPED, DESTROYED, ERROR])
async def test_operation_matrix(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any], state: str
) -> None:
    server, driver = gated
    api = server.api
    await register_ssh_key(api, "matrix-key")
    ops = Ops(api, catalog)
    instance = await _in_state(api, driver, catalog, state)
    refused = [operation for operation, allowed in ALLOWED.items() if state not in allowed]
    for operation in refused:
        _expect_invalid_state(await ops.send(instance, operation), instance["id"], state, operation)
    assert (await api.get_instance(instance["id"]))["state"] == state  # refusals change nothing

    # Allowed ones, ending with those that remove or destroy the instance.
    final = ("destroy", "purge")
    for operation in [op for op, allowed in ALLOWED.items() if state in allowed and op not in final]:
        result = await api.succeeded(await ops.send(instance, operation))
        expected = RESULT.get((operation, state), state)
        assert result["state"] == expected, (operation, state, result)
        if expected != state:
            await api.succeeded(await ops.send(instance, BACK[state]))
        assert (await api.get_instance(instance["id"]))["state"] == state
    if state in ALLOWED["destroy"]:
        assert (await api.succeeded(await ops.send(instance, "destroy")))["state"] == DESTROYED
        assert (await api.get_instance(instance["id"]))["state"] == DESTROYED
    if state in ALLOWED["purge"]:
        assert (await api.succeeded(await ops.send(instance, "purge")))["state"] == DESTROYED
        assert (await api.http.get(f"{BASE}/instances/{instance['id']}")).status_code == 404


async def test_stop_of_a_stopped_instance_is_ds_example(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    await api.succeeded(await api.operation(instance["id"], "stop"))
    error = error_of(await api.operation(instance["id"], "stop"))
    assert error["message"] == "Cannot stop an instance that isn't in the running state"


async def test_destroy_with_purge_removes_the_instance(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    for state in (RUNNING, STOPPED, ERROR, DESTROYED):
        await _destroy_with_purge(server.api, driver, catalog, state)


async def _destroy_with_purge(api: Api, driver: GatedSimulator, catalog: dict[str, Any], state: str) -> None:
    instance = await _in_state(api, driver, catalog, state)
    response = await api.http.request(
        "DELETE", f"{BASE}/instances/{instance['id']}", json={"purgeImmediately": True}
    )
    assert (await api.succeeded(response))["state"] == DESTROYED
    assert (await api.http.get(f"{BASE}/instances/{instance['id']}")).status_code == 404
    assert (await api.http.delete(f"{BASE}/instances/{instance['id']}")).status_code == 404


async def test_destroy_options_refer_only_to_the_instances_resources(
    api: Api, catalog: dict[str, Any]
) -> None:
    instance = await api.create_instance(catalog)
    for body in (
        {"volumeIdsToDelete": [str(uuid.uuid4())]},
        {"publicIpIdsToRelease": [str(uuid.uuid4())]},
        {"purgeImmediately": "maybe"},
    ):
        response = await api.http.request("DELETE", f"{BASE}/instances/{instance['id']}", json=body)
        assert response.status_code == 400, body  # never 404: the instance itself exists
        assert error_of(response)["errorCode"] == "INVALID_FIELD"
    assert (await api.get_instance(instance["id"]))["state"] == RUNNING
    go_body = {"purgeImmediately": "true", "deleteSnapshots": True}
    assert await api.succeeded(
        await api.http.request("DELETE", f"{BASE}/instances/{instance['id']}", json=go_body)
    )


async def test_update_by_put_and_by_post_without_operation(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog, name="hal")
    by_put = await api.succeeded(
        await api.http.put(f"{BASE}/instances/{instance['id']}", json={"name": "hal2"})
    )
    assert (by_put["name"], by_put["hostname"], by_put["state"]) == ("hal2", "hal", RUNNING)
    by_post = await api.succeeded(
        await api.http.post(f"{BASE}/instances/{instance['id']}", json={"hostname": "hal_9000"})
    )
    assert (by_post["name"], by_post["hostname"], by_post["state"]) == ("hal2", "hal_9000", RUNNING)
    missing = await api.http.put(f"{BASE}/instances/{instance['id']}", json={"recoveryPoint": {}})
    assert error_of(missing)["errorCode"] == "MISSING_FIELD"
    invalid = await api.http.put(f"{BASE}/instances/{instance['id']}", json={"hostname": "no spaces"})
    assert error_of(invalid)["context"]["field"] == "hostname"


async def test_hostname_change_reboots_a_running_instance(serve: Any, catalog: dict[str, Any]) -> None:
    async with serve() as server:
        instance = await server.api.create_instance(catalog, name="hal")
        boots = server.simulator.machine(instance["id"]).boot_count
        await server.api.succeeded(
            await server.http.put(f"{BASE}/instances/{instance['id']}", json={"name": "x"})
        )
        assert server.simulator.machine(instance["id"]).boot_count == boots
        await server.api.succeeded(
            await server.http.put(f"{BASE}/instances/{instance['id']}", json={"hostname": "y"})
        )
        assert server.simulator.machine(instance["id"]).boot_count == boots + 1


async def test_change_compute_offering(serve: Any, catalog: dict[str, Any]) -> None:
    async with serve() as server:
        api = server.api
        instance = await api.create_instance(catalog)
        iid = instance["id"]
        changed = await api.succeeded(
            await api.operation(iid, "changeComputeOffering", {"computeOfferingId": catalog["offering_big"]})
        )
        assert (
            changed["computeOfferingId"],
            changed["cpuCount"],
            changed["memoryInMB"],
            changed["state"],
        ) == (
            catalog["offering_big"],
            2,
            4096,
            RUNNING,
        )
        legacy = await api.succeeded(
            await api.operation(iid, "changeComputeOffering", {"newComputeOfferingId": catalog["offering"]})
        )
        assert legacy["computeOfferingName"] == "1vCPU.512MB"
        custom_body = {"computeOfferingId": catalog["offering_custom"], "cpuCount": "4", "memoryInMB": 8192}
        custom = await api.succeeded(await api.operation(iid, "changeComputeOffering", custom_body))
        assert (custom["cpuCount"], custom["memoryInMB"]) == (4, 8192)
        boots = server.simulator.machine(iid).boot_count
        same = await api.succeeded(await api.operation(iid, "changeComputeOffering", custom_body))
        assert (same["cpuCount"], same["memoryInMB"]) == (4, 8192)
        assert server.simulator.machine(iid).boot_count == boots  # nothing to change: no reboot
        for body, field in (
            ({"computeOfferingId": catalog["offering_custom"]}, "cpuCount"),
            ({"computeOfferingId": str(uuid.uuid4())}, "computeOfferingId"),
            (
                {"computeOfferingId": catalog["offering_custom"], "cpuCount": 1, "memoryInMB": 16384},
                "memoryInMB",
            ),
        ):
            error = error_of(await api.operation(iid, "changeComputeOffering", body))
            assert error["context"]["field"] == field, body
        assert (await api.get_instance(iid))["cpuCount"] == 4


async def test_go_client_change_network_quirk(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    iid = instance["id"]
    # G's ChangeNetwork sends changeComputeOffering with only a networkId.
    moved = await api.succeeded(
        await api.operation(
            iid, "changeComputeOffering", {"networkId": catalog["network_db"], "recoveryPoint": {}}
        )
    )
    assert moved["networkId"] == catalog["network_db"] and moved["computeOfferingId"] == catalog["offering"]
    for body in ({"networkId": catalog["network_db"], "recoveryPoint": {}}, {}, {"recoveryPoint": {}}):
        error = error_of(await api.operation(iid, "changeComputeOffering", body))
        assert (error["code"], error["errorCode"], error["context"]) == (
            1001,
            "MISSING_FIELD",
            {"field": "computeOfferingId"},
        )
    # A whole Instance marshalled by G: the offering changes, the networkId is ignored.
    whole = {
        **(await api.get_instance(iid)),
        "computeOfferingId": catalog["offering_big"],
        "networkId": catalog["network"],
    }
    changed = await api.succeeded(await api.operation(iid, "changeComputeOffering", whole))
    assert (
        changed["computeOfferingId"] == catalog["offering_big"]
        and changed["networkId"] == catalog["network_db"]
    )


async def test_change_network_keeps_the_nic_id(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    iid = instance["id"]
    moved = await api.succeeded(
        await api.operation(iid, "changeNetwork", {"networkId": catalog["network_db"].upper()})
    )
    assert moved["ipAddressId"] == instance["ipAddressId"]
    assert moved["networkId"] == catalog["network_db"] and moved["networkName"] == "DB-prod"
    assert ipaddress.ip_address(moved["ipAddress"]) in ipaddress.ip_network("10.164.213.0/24")
    [nic] = (await api.get_instance(iid))["nics"]
    assert (nic["id"], nic["networkId"]) == (instance["ipAddressId"], catalog["network_db"])
    for body, code in (
        ({"networkId": catalog["network_db"]}, "INVALID_FIELD"),  # already there
        ({"networkId": str(uuid.uuid4())}, "INVALID_FIELD"),
        ({}, "MISSING_FIELD"),
    ):
        response = await api.operation(iid, "changeNetwork", body)
        assert response.status_code == 400 and error_of(response)["errorCode"] == code, body


async def test_associate_ssh_key(api: Api, runtime: Runtime, catalog: dict[str, Any]) -> None:
    await register_ssh_key(api, "my_ssh_key")
    instance = await api.create_instance(catalog)
    result = await api.succeeded(
        await api.operation(
            instance["id"], "associateSSHKey", {"sshKeyName": "my_ssh_key", "recoveryPoint": {}}
        )
    )
    assert result["sshKeyName"] == "my_ssh_key" and result["state"] == RUNNING
    unknown = await api.operation(instance["id"], "associateSSHKey", {"sshKeyName": "nope"})
    assert error_of(unknown)["context"]["field"] == "sshKeyName"
    missing = await api.operation(instance["id"], "associateSSHKey", {})
    assert error_of(missing)["errorCode"] == "MISSING_FIELD"


async def test_reset_password_needs_a_password_template(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(
        catalog, templateId=catalog["template_ssh_only"], publicKey=public_key()
    )
    error = error_of(await api.operation(instance["id"], "resetPassword"))
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["context"]["reason"] == "template is not password enabled"


async def test_create_recovery_point(api: Api, runtime: Runtime, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    body = {"recoveryPoint": {"name": "nightly", "description": "before upgrade"}}
    assert (await api.succeeded(await api.operation(instance["id"], "createRecoveryPoint", body)))[
        "state"
    ] == RUNNING
    async with runtime.database.session() as session:
        points = (
            (await session.execute(select(RecoveryPoint).where(RecoveryPoint.instance_id == instance["id"])))
            .scalars()
            .all()
        )
    assert [(p.name, p.description) for p in points] == [("nightly", "before upgrade")]
    missing = await api.operation(instance["id"], "createRecoveryPoint", {"recoveryPoint": {}})
    assert error_of(missing)["errorCode"] == "MISSING_FIELD"


async def test_unknown_operation_and_case_insensitive_names(api: Api, catalog: dict[str, Any]) -> None:
    instance = await api.create_instance(catalog)
    error = error_of(await api.operation(instance["id"], "explode"))
    assert (error["code"], error["errorCode"]) == (1003, "UNKNOWN_OPERATION")
    assert error["context"] == {"operation": "explode", "type": "instances"}
    assert (await api.succeeded(await api.operation(instance["id"], "STOP")))["state"] == STOPPED
    by_put = await api.http.put(f"{BASE}/instances/{instance['id']}", params={"operation": "Start"})
    assert (await api.succeeded(by_put))["state"] == RUNNING
    reset = await api.succeeded(await api.operation(instance["id"], "resetpassword"))
    assert reset["password"]


async def test_a_backend_failure_that_loses_the_machine_leaves_error(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    api = server.api
    instance = await api.create_instance(catalog)
    iid = instance["id"]
    gate = driver.hold("stop")
    task_id = (await api.operation(iid, "stop")).json()["taskId"]
    await gate.reached()
    await driver.destroy(iid)  # the machine vanishes while the stop is under way
    gate.release()
    assert (await api.task(task_id))["taskStatus"] == "FAILED"
    assert (await api.get_instance(iid))["state"] == ERROR
    _expect_invalid_state(await api.operation(iid, "start"), iid, ERROR, "start")
    renamed = await api.succeeded(await api.http.put(f"{BASE}/instances/{iid}", json={"name": "broken"}))
    assert (renamed["name"], renamed["state"]) == ("broken", ERROR)
    assert (await api.succeeded(await api.http.delete(f"{BASE}/instances/{iid}")))["state"] == DESTROYED
    await api.succeeded(await api.operation(iid, "purge"))
    assert (await api.http.get(f"{BASE}/instances/{iid}")).status_code == 404
