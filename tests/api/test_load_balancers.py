"""Load balancer rules (API-CONTRACT 6.12): create, update, updateInstances, updateStickiness
(``none`` included), delete; the IP's purposes and the instances' ``publicIps``; destroy and
changeNetwork taking instances out of every rule (and a failed one putting them back); the driver
balancing exactly what the database holds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cloudca.server.bootstrap import seeded_id
from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

RULES = f"{BASE}/loadbalancerrules"
IPS = f"{BASE}/publicipaddresses"


def backends(runtime: Runtime, address: str) -> dict[str, tuple[str, ...]]:
    """What the simulator balances on the address: rule id -> backend addresses."""
    return {lb.rule_id: lb.backends for lb in runtime.driver.load_balancers(address)}  # type: ignore[attr-defined]


@pytest.fixture
async def tier(api: Api, catalog: dict[str, Any]) -> dict[str, Any]:
    """A load-balanced network of the prod VPC with two instances, and a fresh public IP."""
    body = {
        "name": "lb-tier",
        "description": "web servers",
        "vpcId": catalog["vpc"],
        "networkOfferingId": seeded_id("networkOffering", "Load Balanced Network"),
        "networkAclId": seeded_id("networkAcl", "default_allow"),
    }
    network = await api.succeeded(await api.http.post(f"{BASE}/networks", json=body))
    web1 = await api.create_instance(catalog, name="web1", networkId=network["id"])
    web2 = await api.create_instance(catalog, name="web2", networkId=network["id"])
    ip = await api.succeeded(await api.http.post(IPS, json={"vpcId": catalog["vpc"]}))
    return {"network": network, "web1": web1, "web2": web2, "ip": ip}


def rule_body(tier: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": "web",
        "publicIpId": tier["ip"]["id"],
        "networkId": tier["network"]["id"],
        "publicPort": "80",
        "privatePort": 8080,
        "algorithm": "roundrobin",
        "protocol": "tcp",
        "instanceIds": [tier["web1"]["id"], tier["web2"]["id"]],
        **fields,
    }


async def test_lifecycle_with_the_contracts_shapes(api: Api, tier: dict[str, Any], runtime: Runtime) -> None:
    ip, web1, web2 = tier["ip"], tier["web1"], tier["web2"]
    rule = await api.succeeded(await api.http.post(RULES, json=rule_body(tier)))
    assert rule == {
        "id": rule["id"],
        "name": "web",
        "networkId": tier["network"]["id"],
        "publicIp": ip["ipAddress"],
        "publicIpId": ip["id"],
        "publicPort": "80",
        "privatePort": "8080",
        "algorithm": "roundrobin",
        "protocol": "tcp",
        "stickinessPolicyParameters": {},
        "instanceIds": [web1["id"], web2["id"]],
    }
    assert (await api.http.get(f"{RULES}/{rule['id']}")).json()["data"] == rule
    listed = (await api.http.get(RULES, params={"public_ip_id": ip["id"]})).json()
    assert listed["data"] == [rule] and listed["metadata"]["recordCount"] == 1
    assert backends(runtime, ip["ipAddress"]) == {rule["id"]: (web1["ipAddress"], web2["ipAddress"])}

    public = (await api.http.get(f"{IPS}/{ip['id']}")).json()["data"]
    assert public["purposes"] == ["LOAD_BALANCING"] and public["networkId"] == tier["network"]["id"]
    assert public["instanceNames"] == ["web1", "web2"]
    assert (await api.get_instance(web1["id"]))["publicIps"] == [
        {"id": ip["id"], "ipAddress": ip["ipAddress"], "purposes": ["LOAD_BALANCING"], "ports": ["80"]}
    ]
    by_instance = (await api.http.get(IPS, params={"instance_id": web2["id"]})).json()["data"]
    assert [i["id"] for i in by_instance] == [ip["id"]]

    # What the Go client and Terraform send: {id, name, algorithm}.
    body = {"id": rule["id"], "name": "web-2", "algorithm": "leastconn"}
    updated = await api.succeeded(await api.http.put(f"{RULES}/{rule['id']}", json=body))
    assert (updated["name"], updated["algorithm"]) == ("web-2", "leastconn")
    assert runtime.driver.load_balancers(ip["ipAddress"])[0].algorithm == "leastconn"  # type: ignore[attr-defined]

    # updateInstances: POST (Go) or PUT (docs); an absent list is the empty one (Go omits it).
    only = await api.succeeded(
        await api.http.put(
            f"{RULES}/{rule['id']}",
            params={"operation": "updateInstances"},
            json={"instanceIds": [web2["id"]]},
        )
    )
    assert only["instanceIds"] == [web2["id"]]
    assert backends(runtime, ip["ipAddress"]) == {rule["id"]: (web2["ipAddress"],)}
    emptied = await api.succeeded(
        await api.http.post(
            f"{RULES}/{rule['id']}", params={"operation": "updateInstances"}, json={"id": rule["id"]}
        )
    )
    assert emptied["instanceIds"] == [] and backends(runtime, ip["ipAddress"]) == {rule["id"]: ()}

    # updateStickiness: values of any JSON scalar come back as strings; "none" removes the policy.
    sticky = {
        "stickinessMethod": "LbCookie",
        "stickinessPolicyParameters": {"cookieName": "c", "nocache": True},
    }
    stuck = await api.succeeded(
        await api.http.post(f"{RULES}/{rule['id']}", params={"operation": "updateStickiness"}, json=sticky)
    )
    assert stuck["stickinessMethod"] == "LbCookie" and stuck["stickinessPolicyId"]
    assert stuck["stickinessPolicyParameters"] == {"cookieName": "c", "nocache": "true"}
    [balancer] = runtime.driver.load_balancers(ip["ipAddress"])  # type: ignore[attr-defined]
    assert balancer.stickiness_method == "LbCookie" and ("nocache", "true") in balancer.stickiness_parameters
    unstuck = await api.succeeded(
        await api.http.post(
            f"{RULES}/{rule['id']}",
            params={"operation": "updateStickiness"},
            json={"stickinessMethod": "none"},
        )
    )
    assert "stickinessMethod" not in unstuck and unstuck["stickinessPolicyParameters"] == {}

    await api.succeeded(await api.http.delete(f"{RULES}/{rule['id']}"))
    assert (await api.http.get(f"{RULES}/{rule['id']}")).status_code == 404
    assert backends(runtime, ip["ipAddress"]) == {}
    unbound = (await api.http.get(f"{IPS}/{ip['id']}")).json()["data"]
    assert unbound["purposes"] == [] and "networkId" not in unbound


async def test_refusals(api: Api, tier: dict[str, Any], catalog: dict[str, Any]) -> None:
    elsewhere = await api.create_instance(catalog, name="elsewhere")
    source_nat = next(i for i in (await api.http.get(IPS)).json()["data"] if "SOURCE_NAT" in i["purposes"])
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"protocol": "icmp"}, 400, "INVALID_FIELD", "protocol"),
        ({"algorithm": "random"}, 400, "INVALID_FIELD", "algorithm"),
        ({"publicPort": 0}, 400, "INVALID_FIELD", "publicPort"),
        ({"publicIpId": source_nat["id"]}, 400, "INVALID_FIELD", "publicIpId"),
        ({"networkId": None}, 400, "MISSING_FIELD", "networkId"),
        ({"networkId": catalog["network"], "instanceIds": []}, 400, "INVALID_FIELD", "networkId"),
        ({"instanceIds": [elsewhere["id"]]}, 400, "INVALID_FIELD", "instanceIds"),
        ({"stickinessMethod": "Magic"}, 400, "INVALID_FIELD", "stickinessMethod"),
        ({"sslCertificateId": catalog["vpc"]}, 400, "INVALID_FIELD", "sslCertificateId"),
        ({"name": None}, 400, "MISSING_FIELD", "name"),
    ]
    for change, status, code, field in cases:
        response = await api.http.post(RULES, json=rule_body(tier, **change))
        assert response.status_code == status, (change, response.text)
        assert (error_of(response)["errorCode"], error_of(response)["context"].get("field")) == (
            code,
            field,
        ), change

    rule = await api.succeeded(await api.http.post(RULES, json=rule_body(tier, protocol="TCP-PROXY")))
    assert rule["protocol"] == "TCP-PROXY"  # echoed as supplied
    again = await api.http.post(RULES, json=rule_body(tier, name="again", networkId=None))
    assert again.status_code == 400 and error_of(again)["errorCode"] == "DUPLICATE"
    forward = {
        "ipAddressId": tier["ip"]["id"],
        "protocol": "TCP",
        "publicPortStart": 70,
        "publicPortEnd": 90,
        "privatePortStart": 70,
        "instanceId": tier["web1"]["id"],
    }
    clash = await api.http.post(f"{BASE}/portforwardingrules", json=forward)
    assert clash.status_code == 400 and error_of(clash)["errorCode"] == "DUPLICATE"
    await api.succeeded(
        await api.http.post(
            f"{BASE}/portforwardingrules",
            json={**forward, "publicPortStart": 22, "publicPortEnd": 22, "privatePortStart": 22},
        )
    )
    forwarded = await api.http.post(RULES, json=rule_body(tier, name="ssh", publicPort=22))
    assert forwarded.status_code == 400 and error_of(forwarded)["errorCode"] == "DUPLICATE"
    static_nat = await api.http.post(
        f"{IPS}/{tier['ip']['id']}",
        params={"operation": "enableStaticNat"},
        json={"privateIpId": tier["web1"]["ipAddressId"]},
    )
    assert static_nat.status_code == 400 and error_of(static_nat)["errorCode"] == "INVALID_FIELD"
    unknown = await api.http.post(f"{RULES}/{rule['id']}", params={"operation": "explode"}, json={})
    assert unknown.status_code == 400 and error_of(unknown)["errorCode"] == "UNKNOWN_OPERATION"
    no_method = await api.http.post(
        f"{RULES}/{rule['id']}", params={"operation": "updateStickiness"}, json={}
    )
    assert no_method.status_code == 400 and error_of(no_method)["errorCode"] == "MISSING_FIELD"
    in_use = await api.http.delete(f"{BASE}/networks/{tier['network']['id']}")
    assert in_use.status_code == 400 and rule["id"] in error_of(in_use)["context"]["dependants"]


async def test_destroy_and_change_network_take_the_instance_out_of_every_rule(
    api: Api, tier: dict[str, Any], catalog: dict[str, Any], runtime: Runtime
) -> None:
    ip, web1, web2 = tier["ip"], tier["web1"], tier["web2"]
    rule = await api.succeeded(await api.http.post(RULES, json=rule_body(tier)))

    # A changeNetwork that fails after the driver stopped balancing to web1 puts it back.
    runtime.driver.inject_fault("set_nics")  # type: ignore[attr-defined]
    failed = await api.finished(
        await api.operation(web1["id"], "changeNetwork", {"networkId": catalog["network"]})
    )
    assert failed["taskStatus"] == "FAILED"
    assert (await api.http.get(f"{RULES}/{rule['id']}")).json()["data"]["instanceIds"] == [
        web1["id"],
        web2["id"],
    ]
    assert backends(runtime, ip["ipAddress"]) == {rule["id"]: (web1["ipAddress"], web2["ipAddress"])}

    await api.succeeded(await api.operation(web1["id"], "changeNetwork", {"networkId": catalog["network"]}))
    assert (await api.http.get(f"{RULES}/{rule['id']}")).json()["data"]["instanceIds"] == [web2["id"]]
    assert backends(runtime, ip["ipAddress"]) == {rule["id"]: (web2["ipAddress"],)}
    assert (await api.get_instance(web1["id"]))["publicIps"] == []

    await api.succeeded(await api.http.delete(f"{BASE}/instances/{web2['id']}"))
    assert (await api.http.get(f"{RULES}/{rule['id']}")).json()["data"]["instanceIds"] == []
    assert backends(runtime, ip["ipAddress"]) == {rule["id"]: ()}
    assert "LOAD_BALANCING" in (await api.http.get(f"{IPS}/{ip['id']}")).json()["data"]["purposes"]

    # Releasing the IP takes its rules with it.
    await api.succeeded(await api.http.delete(f"{IPS}/{ip['id']}"))
    assert (await api.http.get(f"{RULES}/{rule['id']}")).status_code == 404
    assert backends(runtime, ip["ipAddress"]) == {}


async def test_a_failed_driver_change_records_nothing(
    api: Api, tier: dict[str, Any], runtime: Runtime
) -> None:
    runtime.driver.inject_fault("set_load_balancing")  # type: ignore[attr-defined]
    failed = await api.finished(await api.http.post(RULES, json=rule_body(tier)))
    assert failed["taskStatus"] == "FAILED"
    assert (await api.http.get(RULES)).json()["data"] == []
    assert backends(runtime, tier["ip"]["ipAddress"]) == {}
    assert (await api.http.get(f"{IPS}/{tier['ip']['id']}")).json()["data"]["purposes"] == []


async def test_what_the_backend_declares_it_cannot_balance_is_refused_before_any_task(
    api: Api, tier: dict[str, Any], runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backend such as libvirt's layer-4 balancer declares the words it cannot apply; a request
    using one is a 400 naming the field, not a task that fails."""
    refused = frozenset({"leastconn", "LbCookie", "ssl"})
    capabilities = replace(runtime.driver.capabilities, balancing_refuses=refused)
    monkeypatch.setattr(runtime.driver, "capabilities", capabilities)

    for change, field in (
        ({"algorithm": "LeastConn"}, "algorithm"),
        ({"protocol": "SSL"}, "protocol"),
        ({"stickinessMethod": "LbCookie"}, "stickinessMethod"),
    ):
        response = await api.http.post(RULES, json=rule_body(tier, **change))
        assert response.status_code == 400, (change, response.text)
        assert (error_of(response)["errorCode"], error_of(response)["context"].get("field")) == (
            "INVALID_FIELD",
            field,
        )
    rule = await api.succeeded(await api.http.post(RULES, json=rule_body(tier, algorithm="source")))

    update = await api.http.put(f"{RULES}/{rule['id']}", json={"algorithm": "leastconn"})
    sticky = await api.http.put(
        f"{RULES}/{rule['id']}",
        params={"operation": "updateStickiness"},
        json={"stickinessMethod": "LbCookie"},
    )
    for response in (update, sticky):
        assert response.status_code == 400 and error_of(response)["errorCode"] == "INVALID_FIELD"
    assert (await api.http.get(f"{RULES}/{rule['id']}")).json()["data"]["algorithm"] == "source"
    assert list(backends(runtime, tier["ip"]["ipAddress"])) == [rule["id"]]


async def test_an_ip_both_forwarded_and_balanced_shows_once_in_the_instance(
    api: Api, tier: dict[str, Any]
) -> None:
    """Its purposes in order (forwarding first) and the ports of both kinds of rule."""
    ip, web1 = tier["ip"], tier["web1"]
    await api.succeeded(await api.http.post(RULES, json=rule_body(tier)))
    forward = {
        "ipAddressId": ip["id"],
        "protocol": "Tcp",
        "publicPortStart": "2200",
        "publicPortEnd": 2210,
        "privatePortStart": 22,
        "privateIpId": web1["ipAddressId"],
    }
    await api.succeeded(await api.http.post(f"{BASE}/portforwardingrules", json=forward))
    assert (await api.get_instance(web1["id"]))["publicIps"] == [
        {
            "id": ip["id"],
            "ipAddress": ip["ipAddress"],
            "purposes": ["PORT_FORWARDING", "LOAD_BALANCING"],
            "ports": ["2200-2210", "80"],
        }
    ]
