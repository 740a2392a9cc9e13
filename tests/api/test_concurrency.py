"""Concurrent requests: one winner among conflicting operations (5.1), unique addresses under load."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import httpx

from tests.api.conftest import GatedSimulator, Server
from tests.support import BASE, Api, error_of


async def test_conflicting_operations_have_one_winner(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    api = server.api
    instance = await api.create_instance(catalog)
    iid = instance["id"]
    # Every operation below is allowed from Running; each one's driver call is held, so the winner's
    # task is still running when the others are checked.
    gates = [driver.hold(operation) for operation in ("stop", "reboot", "set_password")]
    sends = [
        api.operation(iid, "stop"),
        api.operation(iid, "reboot"),
        api.operation(iid, "resetPassword"),
        api.http.put(f"{BASE}/instances/{iid}", json={"hostname": "renamed"}),
        api.http.delete(f"{BASE}/instances/{iid}"),
        api.operation(iid, "stop"),
    ]
    responses: list[httpx.Response] = await asyncio.gather(*sends)
    accepted = [response for response in responses if response.status_code == 200]
    refused = [response for response in responses if response.status_code != 200]
    assert len(accepted) == 1, [response.text for response in responses]
    for response in refused:
        assert response.status_code == 400
        error = error_of(response)
        assert error["errorCode"] in ("INVALID_STATE", "ENTITY_BUSY"), error
        assert error["context"]["id"] == iid
        if error["errorCode"] == "ENTITY_BUSY":
            assert error["context"]["taskId"] == accepted[0].json()["taskId"]
    for gate in gates:
        gate.release()
    assert (await api.task(accepted[0].json()["taskId"]))["taskStatus"] == "SUCCESS"
    # Once the winner is done, the instance takes new work again.
    state = (await api.get_instance(iid))["state"]
    assert state in ("Running", "Stopped", "Destroyed")


async def test_busy_instance_refuses_while_transitional(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    instance = await server.api.create_instance(catalog)
    gate = driver.hold("stop")
    task_id = (await server.api.operation(instance["id"], "stop")).json()["taskId"]
    await gate.reached()
    assert (await server.api.get_instance(instance["id"]))["state"] == "Stopping"
    error = error_of(await server.api.operation(instance["id"], "start"))
    assert error["errorCode"] == "INVALID_STATE"
    assert error["context"]["currentState"] == "Stopping"
    gate.release()
    assert (await server.api.task(task_id))["result"]["state"] == "Stopped"


async def test_busy_instance_in_a_stable_state_is_entity_busy(
    gated: tuple[Server, GatedSimulator], catalog: dict[str, Any]
) -> None:
    server, driver = gated
    instance = await server.api.create_instance(catalog)
    gate = driver.hold("set_password")
    task_id = (await server.api.operation(instance["id"], "resetPassword")).json()["taskId"]
    await gate.reached()
    error = error_of(await server.api.operation(instance["id"], "stop"))
    assert (error["code"], error["errorCode"]) == (2013, "ENTITY_BUSY")
    assert error["context"] == {"id": instance["id"], "type": "instances", "taskId": task_id}
    gate.release()
    assert (await server.api.task(task_id))["taskStatus"] == "SUCCESS"


async def test_concurrent_creates_get_unique_addresses(api: Api, catalog: dict[str, Any]) -> None:
    count = 24

    async def create(index: int) -> dict[str, Any]:
        network = catalog["network"] if index % 3 else catalog["network_db"]
        return await api.create_instance(catalog, name=f"crowd-{index}", networkId=network)

    created = await asyncio.gather(*(create(index) for index in range(count)))
    items = (await api.http.get(f"{BASE}/instances")).json()["data"]
    assert len(items) == count
    assert {item["id"] for item in items} == {item["id"] for item in created}
    macs = [item["macAddress"] for item in items]
    assert len(set(macs)) == count
    cidrs = {catalog["network"]: "10.164.212.0/24", catalog["network_db"]: "10.164.213.0/24"}
    for network_id, cidr in cidrs.items():
        addresses = [item["ipAddress"] for item in items if item["networkId"] == network_id]
        assert len(addresses) == len(set(addresses)) > 0
        net = ipaddress.ip_network(cidr)
        for address in map(ipaddress.ip_address, addresses):
            assert address in net
            assert address not in (net.network_address, net.network_address + 1, net.broadcast_address)


async def test_the_same_requested_address_twice_at_once(api: Api, catalog: dict[str, Any]) -> None:
    body = {
        "name": "twin",
        "templateId": catalog["template"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
        "ipAddress": "10.164.212.50",
    }
    responses = await asyncio.gather(*(api.http.post(f"{BASE}/instances", json=body) for _ in range(4)))
    accepted = [response for response in responses if response.status_code == 200]
    assert len(accepted) == 1, [response.text for response in responses]
    for response in responses:
        if response.status_code != 200:
            assert error_of(response)["errorCode"] == "DUPLICATE"
    assert (await api.succeeded(accepted[0]))["ipAddress"] == "10.164.212.50"
    assert (await api.http.get(f"{BASE}/instances")).json()["metadata"]["recordCount"] == 1
