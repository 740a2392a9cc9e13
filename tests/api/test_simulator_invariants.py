"""Capacity and addressing invariants, observed through the API on a small simulated layout."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import func, select

from cloudca.server.bootstrap import seeded_id
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import Network, Nic
from cloudca.server.placement.models import Host
from cloudca.server.runtime import Runtime
from cloudca.server.storage.models import Volume
from tests.api.conftest import ServeFactory, Server
from tests.support import BASE, error_of

HOST = "sim-qc-1-host-1"


async def _host_cpu(runtime: Runtime) -> int:
    async with runtime.database.session() as session:
        [used] = (await session.execute(select(Host.cpu_used))).scalars().all()  # one host
        return int(used)


async def _rows(runtime: Runtime) -> tuple[int, ...]:
    counts = []
    async with runtime.database.session() as session:
        for model in (Instance, Nic, Volume):
            counts.append(int((await session.execute(select(func.count()).select_from(model))).scalar_one()))
    return tuple(counts)


async def _create(server: Server, catalog: dict[str, Any], offering: str) -> dict[str, Any]:
    body = {
        "name": "cap",
        "templateId": catalog["template"],
        "computeOfferingId": catalog[offering],
        "networkId": catalog["network"],
    }
    return await server.api.finished(await server.http.post(f"{BASE}/instances", json=body))


async def test_capacity_is_reserved_released_and_never_exceeded(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve(simulator_hosts_per_zone=1, simulator_host_cpus=2) as server:
        api, runtime = server.api, server.runtime
        big = (await _create(server, catalog, "offering_big"))["result"]  # 2 vCPUs: the whole host
        assert await _host_cpu(runtime) == 2
        assert server.simulator.host_usage(HOST)[0] == 2
        rows = await _rows(runtime)

        refused = await _create(server, catalog, "offering")
        assert refused["taskStatus"] == "FAILED"
        [error] = refused["result"]["errors"]
        assert (error["code"], error["errorCode"]) == (2017, "NO_CAPACITY")
        assert await _rows(runtime) == rows  # no instance, NIC or volume left behind
        assert await _host_cpu(runtime) == 2
        listed = (await api.http.get(f"{BASE}/instances")).json()["data"]
        assert [item["id"] for item in listed] == [big["id"]]

        await api.succeeded(await api.http.delete(f"{BASE}/instances/{big['id']}"))  # destroy releases
        assert await _host_cpu(runtime) == 0
        assert server.simulator.host_usage(HOST)[0] == 0
        small = (await _create(server, catalog, "offering"))["result"]
        assert small["state"] == "Running" and await _host_cpu(runtime) == 1

        # Recovering the big one needs 2 vCPUs; only 1 is free.
        failed = await api.finished(await api.operation(big["id"], "recover"))
        assert failed["taskStatus"] == "FAILED"
        assert failed["result"]["errors"][0]["errorCode"] == "NO_CAPACITY"
        assert (await api.get_instance(big["id"]))["state"] == "Destroyed"
        assert await _host_cpu(runtime) == 1

        await api.succeeded(await api.http.delete(f"{BASE}/instances/{small['id']}"))
        assert (await api.succeeded(await api.operation(big["id"], "recover")))["state"] == "Stopped"
        assert await _host_cpu(runtime) == 2  # recover re-reserves (the machine is stopped)
        assert (await api.succeeded(await api.operation(big["id"], "start")))["state"] == "Running"
        assert server.simulator.host_usage(HOST)[0] == 2

        # Purging a destroyed instance keeps the books straight; destroy+purge releases.
        await api.succeeded(await api.operation(small["id"], "purge"))
        assert await _host_cpu(runtime) == 2
        purge = await api.http.request(
            "DELETE", f"{BASE}/instances/{big['id']}", json={"purgeImmediately": True}
        )
        await api.succeeded(purge)
        assert await _host_cpu(runtime) == 0
        assert server.simulator.host_usage(HOST)[0] == 0
        assert await _rows(runtime) == (0, 0, 0)


async def test_resize_beyond_the_host_fails_and_keeps_the_size(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve(simulator_hosts_per_zone=1, simulator_host_cpus=2) as server:
        instance = (await _create(server, catalog, "offering"))["result"]
        body = {"computeOfferingId": catalog["offering_custom"], "cpuCount": 4, "memoryInMB": 4096}
        task = await server.api.finished(
            await server.api.operation(instance["id"], "changeComputeOffering", body)
        )
        assert task["taskStatus"] == "FAILED"
        after = await server.api.get_instance(instance["id"])
        assert (after["cpuCount"], after["state"]) == (1, "Running")
        assert await _host_cpu(server.runtime) == 1


async def test_a_full_network_refuses_new_instances_clearly(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    async with serve() as server:
        async with server.runtime.database.transaction() as session:
            web = await session.get(Network, catalog["network"])
            assert web is not None
            tiny = Network(
                id=seeded_id("network", "tiny"),
                environment_id=web.environment_id,
                vpc_id=web.vpc_id,
                zone_id=web.zone_id,
                network_offering_id=web.network_offering_id,
                network_acl_id=web.network_acl_id,
                name="tiny",
                cidr="10.164.214.0/29",
                gateway="10.164.214.1",
                netmask="255.255.255.248",
            )
            session.add(tiny)
        addresses = []
        for index in range(5):  # .2 to .6: the /29 without network, gateway and broadcast
            created = await server.api.create_instance(catalog, name=f"tiny-{index}", networkId=tiny.id)
            addresses.append(created["ipAddress"])
        assert sorted(addresses, key=ipaddress.ip_address) == [f"10.164.214.{host}" for host in range(2, 7)]
        body = {
            "name": "one-too-many",
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": tiny.id,
        }
        response = await server.http.post(f"{BASE}/instances", json=body)
        assert response.status_code == 400
        error = error_of(response)
        assert error["errorCode"] == "QUOTA_EXCEEDED" and error["code"] == 2016
        assert (await server.http.get(f"{BASE}/instances")).json()["metadata"]["recordCount"] == 5
        # Freeing an address makes it usable again.
        first = (await server.http.get(f"{BASE}/instances", params={"network_id": tiny.id})).json()["data"][0]
        await server.api.succeeded(
            await server.http.request(
                "DELETE", f"{BASE}/instances/{first['id']}", json={"purgeImmediately": True}
            )
        )
        again = await server.api.create_instance(catalog, name="reuse", networkId=tiny.id)
        assert again["ipAddress"] == first["ipAddress"]
