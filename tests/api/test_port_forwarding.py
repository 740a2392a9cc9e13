"""Port forwarding rules (API-CONTRACT 6.11): create, list, get, delete; ports as strings;
overlaps refused with DUPLICATE; the driver forwards what the database holds."""

from __future__ import annotations

from typing import Any

from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

RULES = f"{BASE}/portforwardingrules"


async def test_create_list_get_delete(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    instance = await api.create_instance(catalog)
    ip = await api.succeeded(await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]}))
    body = {
        "ipAddressId": ip["id"],
        "protocol": "Tcp",
        "publicPortStart": "8000",
        "publicPortEnd": 8010,
        "privatePortStart": 9000,
        "privateIpId": instance["ipAddressId"],
    }
    rule = await api.succeeded(await api.http.post(RULES, json=body))
    assert rule == {
        "id": rule["id"],
        "ipAddress": ip["ipAddress"],
        "ipAddressId": ip["id"],
        "publicPortStart": "8000",
        "publicPortEnd": "8010",
        "privatePortStart": "9000",
        "privatePortEnd": "9010",
        "protocol": "Tcp",
        "instanceId": instance["id"],
        "instanceName": instance["name"],
        "networkId": catalog["network"],
        "vpcId": catalog["vpc"],
        "privateIp": instance["ipAddress"],
        "privateIpId": instance["ipAddressId"],
        "state": "Active",
    }
    assert (await api.http.get(f"{RULES}/{rule['id']}")).json()["data"] == rule
    assert (await api.http.get(RULES, params={"instance_id": instance["id"]})).json()["data"] == [rule]
    [forward] = runtime.driver.port_forwards(ip["ipAddress"])  # type: ignore[attr-defined]
    assert (forward.public_port_start, forward.private_port_end, forward.private_ip) == (
        8000,
        9010,
        instance["ipAddress"],
    )
    public = await api.http.get(f"{BASE}/publicipaddresses/{ip['id']}")
    assert public.json()["data"]["purposes"] == ["PORT_FORWARDING"]
    assert public.json()["data"]["networkId"] == catalog["network"]
    assert (await api.get_instance(instance["id"]))["publicIps"][0]["ports"] == ["8000-8010"]

    for overlapping in ({"publicPortStart": 8010}, {"publicPortStart": 7990, "publicPortEnd": 8000}):
        refused = await api.http.post(RULES, json={**body, "publicPortEnd": None, **overlapping})
        assert refused.status_code == 400 and error_of(refused)["errorCode"] == "DUPLICATE", overlapping
    udp = await api.succeeded(await api.http.post(RULES, json={**body, "protocol": "UDP"}))
    assert udp["protocol"] == "UDP"

    await api.succeeded(await api.http.delete(f"{RULES}/{rule['id']}"))
    await api.succeeded(await api.http.delete(f"{RULES}/{udp['id']}"))
    assert (await api.http.get(f"{RULES}/{rule['id']}")).status_code == 404
    assert runtime.driver.port_forwards(ip["ipAddress"]) == ()  # type: ignore[attr-defined]
    unbound = (await api.http.get(f"{BASE}/publicipaddresses/{ip['id']}")).json()["data"]
    assert unbound["purposes"] == [] and "networkId" not in unbound


async def test_refusals(api: Api, catalog: dict[str, Any], runtime: Runtime) -> None:
    instance = await api.create_instance(catalog)
    on_db = await api.create_instance(catalog, name="db", networkId=catalog["network_db"])
    ip = await api.succeeded(await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]}))
    source_nat = next(
        i for i in (await api.http.get(f"{BASE}/publicipaddresses")).json()["data"] if i["purposes"]
    )
    base = {
        "ipAddressId": ip["id"],
        "protocol": "TCP",
        "publicPortStart": 22,
        "privatePortStart": 22,
        "instanceId": instance["id"],
    }
    await api.succeeded(await api.http.post(RULES, json=base))
    cases = [
        ({**base, "protocol": "ICMP"}, "protocol"),
        ({**base, "publicPortStart": 0}, "publicPortStart"),
        ({**base, "publicPortStart": 30, "publicPortEnd": 31, "privatePortEnd": 40}, "privatePortEnd"),
        ({**base, "ipAddressId": source_nat["id"], "publicPortStart": 23}, "ipAddressId"),
        ({**base, "instanceId": on_db["id"], "publicPortStart": 23}, "ipAddressId"),  # bound to Web
        ({**base, "privateIpId": on_db["ipAddressId"], "publicPortStart": 23}, "instanceId"),
        ({**base, "instanceId": None}, "privateIpId"),
    ]
    for body, field in cases:
        response = await api.http.post(RULES, json=body)
        assert response.status_code == 400, body
        assert error_of(response)["context"]["field"] == field, body
    runtime.driver.inject_fault("set_port_forwarding")  # type: ignore[attr-defined]
    failed = await api.finished(await api.http.post(RULES, json={**base, "publicPortStart": 2222}))
    assert failed["taskStatus"] == "FAILED"
    assert len((await api.http.get(RULES)).json()["data"]) == 1
    assert len(runtime.driver.port_forwards(ip["ipAddress"])) == 1  # type: ignore[attr-defined]
