"""Input behaves the same on every endpoint (issue 10, "Bounded input everywhere").

- Every integer of every request body accepts a decimal string ("20") exactly like the number
  (contract 1.9: the Go client sends ports, sizes, rule numbers, lifetimes as strings), and refuses
  anything else ("20.5", "2e1", "0x14", "") with 400 ``INVALID_FIELD`` naming the field. The cases
  below cover every integer field of every request model; a check fails when a model gains one
  that no case sends.
- An unknown ``?operation=`` is a 400 ``UNKNOWN_OPERATION`` (with the envelope, naming the
  entity type) on every item route that takes one, whether or not the item exists.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import cloudca.server
from cloudca.server.bootstrap import seeded_id
from cloudca.server.core import fields as core_fields
from tests.support import BASE, Api, error_of

NOT_DECIMAL = ["20.5", "2e1", "0x14", "twenty", " "]


@dataclass
class Case:
    """A request whose ``ints`` are sent as decimal strings; ``path`` and ``body`` need a world."""

    name: str
    method: str
    path: Callable[[dict[str, Any]], str]
    body: Callable[[dict[str, Any]], dict[str, Any]]
    ints: tuple[str, ...]
    params: dict[str, str] | None = None


def _instance(world: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": "strings",
        "templateId": world["catalog"]["template_resizable"],
        "computeOfferingId": world["catalog"]["offering"],
        "networkId": world["catalog"]["network"],
        **fields,
    }


CASES = [
    Case(
        "custom instance",
        "POST",
        lambda w: f"{BASE}/instances",
        lambda w: _instance(
            w,
            computeOfferingId=w["catalog"]["offering_custom"],
            cpuCount="2",
            memoryInMB="2048",
            rootVolumeSizeInGb="60",
            diskOfferingId=w["catalog"]["disk_custom_iops"],
            additionalDiskIops="500",
            portsToForward=["2222"],
        ),
        ("cpuCount", "memoryInMB", "rootVolumeSizeInGb", "additionalDiskIops"),
    ),
    Case(
        "instance with a custom-size disk",
        "POST",
        lambda w: f"{BASE}/instances",
        lambda w: _instance(w, diskOfferingId=w["catalog"]["disk_custom_size"], additionalDiskSizeInGb="30"),
        ("additionalDiskSizeInGb",),
    ),
    Case(
        "change to a custom offering",
        "POST",
        lambda w: f"{BASE}/instances/{w['instance']['id']}",
        lambda w: {
            "computeOfferingId": w["catalog"]["offering_custom"],
            "cpuCount": "1",
            "memoryInMB": "1024",
        },
        ("cpuCount", "memoryInMB"),
        {"operation": "changeComputeOffering"},
    ),
    Case(
        "custom-size volume",
        "POST",
        lambda w: f"{BASE}/volumes",
        lambda w: {"name": "v", "diskOfferingId": w["catalog"]["disk_custom_size"], "sizeInGb": "40"},
        ("sizeInGb",),
    ),
    Case(
        "custom-IOPS volume",
        "POST",
        lambda w: f"{BASE}/volumes",
        lambda w: {"name": "v", "diskOfferingId": w["catalog"]["disk_custom_iops"], "iops": "700"},
        ("iops",),
    ),
    Case(
        "resize",
        "POST",
        lambda w: f"{BASE}/volumes/{w['volume']['id']}",
        lambda w: {"sizeInGb": "50"},
        ("sizeInGb",),
        {"operation": "resize"},
    ),
    Case(
        "resize IOPS",
        "POST",
        lambda w: f"{BASE}/volumes/{w['iops_volume']['id']}",
        lambda w: {"iops": "800"},
        ("iops",),
        {"operation": "resize"},
    ),
    Case(
        "port forwarding rule",
        "POST",
        lambda w: f"{BASE}/portforwardingrules",
        lambda w: {
            "ipAddressId": w["ip"]["id"],
            "protocol": "TCP",
            "publicPortStart": "8000",
            "publicPortEnd": "8010",
            "privatePortStart": "9000",
            "privatePortEnd": "9010",
            "instanceId": w["instance"]["id"],
        },
        ("publicPortStart", "publicPortEnd", "privatePortStart", "privatePortEnd"),
    ),
    Case(
        "ACL rule (ports)",
        "POST",
        lambda w: f"{BASE}/networkaclrules",
        lambda w: {
            "networkAclId": w["acl"]["id"],
            "ruleNumber": "7",
            "cidr": "0.0.0.0/0",
            "action": "Allow",
            "protocol": "TCP",
            "trafficType": "Ingress",
            "startPort": "80",
            "endPort": "81",
        },
        ("ruleNumber", "startPort", "endPort"),
    ),
    Case(
        "ACL rule (ICMP)",
        "POST",
        lambda w: f"{BASE}/networkaclrules",
        lambda w: {
            "networkAclId": w["acl"]["id"],
            "ruleNumber": "8",
            "cidr": "0.0.0.0/0",
            "action": "Allow",
            "protocol": "ICMP",
            "trafficType": "Ingress",
            "icmpType": "8",
            "icmpCode": "0",
        },
        ("icmpType", "icmpCode"),
    ),
    Case(
        "ACL rule update",
        "PUT",
        lambda w: f"{BASE}/networkaclrules/{w['rule']['id']}",
        lambda w: {"ruleNumber": "9", "startPort": "443", "endPort": "444"},
        ("ruleNumber", "startPort", "endPort"),
    ),
    Case(
        "ACL rule update (ICMP)",
        "PUT",
        lambda w: f"{BASE}/networkaclrules/{w['icmp_rule']['id']}",
        lambda w: {"icmpType": "0", "icmpCode": "0"},
        ("icmpType", "icmpCode"),
    ),
    Case(
        "load balancer rule",
        "POST",
        lambda w: f"{BASE}/loadbalancerrules",
        lambda w: {
            "name": "web",
            "publicIpId": w["ip"]["id"],
            "networkId": w["tier"]["id"],
            "publicPort": "80",
            "privatePort": "8080",
            "algorithm": "roundrobin",
            "protocol": "tcp",
        },
        ("publicPort", "privatePort"),
    ),
    Case(
        "site-to-site VPN",
        "POST",
        lambda w: f"{BASE}/sitetositevpns",
        lambda w: {
            "name": "office",
            "vpcId": w["catalog"]["vpc"],
            "gateway": "19.19.19.19",
            "cidr": "10.12.0.2/22",
            "ipSecPsk": "WtOBS9GRux2XtJPtHY2TUvrv",
            "ikeEncryptionAlgorithm": "3des",
            "ikeHashAlgorithm": "sha1",
            "ikeLifetime": "86400",
            "espEncryptionAlgorithm": "3des",
            "espHashAlgorithm": "sha1",
            "espLifetime": "3600",
        },
        ("ikeLifetime", "espLifetime"),
    ),
]


def _request_models() -> Iterator[type[core_fields.Body]]:
    for module in pkgutil.walk_packages(cloudca.server.__path__, "cloudca.server."):
        if ".drivers.libvirt" not in module.name and ".migrations" not in module.name:
            importlib.import_module(module.name)
    pending = list(core_fields.Body.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        yield model


def test_every_integer_field_of_every_request_body_has_a_case() -> None:
    """Every integer a request model reads is a ``FlexInt`` (decimal strings, bounded) and is sent
    as a string by one of the cases below."""
    integers: dict[str, str] = {}
    for model in _request_models():
        for name, info in model.model_fields.items():
            described = repr(info.annotation) + repr(info.metadata)
            if "int" in described.replace("Uuid", "").replace("bool", "").lower().replace("_to_int", "int"):
                integers[f"{model.__name__}.{name}"] = described
    integers.pop("CreateRecoveryPoint.recoveryPoint", None)  # a nested object, not a number
    plain = [name for name, described in integers.items() if "_to_int" not in described]
    assert plain == [], "integer fields that are not FlexInt"
    covered = {name for case in CASES for name in case.ints} | {"portsToForward"}  # below
    assert {name.split(".")[1] for name in integers} - covered == set()


@pytest.fixture
async def world(api: Api, catalog: dict[str, Any]) -> dict[str, Any]:
    instance = await api.create_instance(catalog, name="target")
    volume = await api.succeeded(
        await api.http.post(
            f"{BASE}/volumes",
            json={"name": "v", "diskOfferingId": catalog["disk_custom_size"], "sizeInGb": 20},
        )
    )
    iops_volume = await api.succeeded(
        await api.http.post(
            f"{BASE}/volumes", json={"name": "v", "diskOfferingId": catalog["disk_custom_iops"], "iops": 500}
        )
    )
    ip = await api.succeeded(await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]}))
    acl = await api.succeeded(
        await api.http.post(
            f"{BASE}/networkacls", json={"name": "web", "description": "d", "vpcId": catalog["vpc"]}
        )
    )
    rule_body = {"networkAclId": acl["id"], "cidr": "0.0.0.0/0", "action": "Allow", "trafficType": "Ingress"}
    rule = await api.succeeded(
        await api.http.post(
            f"{BASE}/networkaclrules",
            json={**rule_body, "ruleNumber": 1, "protocol": "TCP", "startPort": 22, "endPort": 22},
        )
    )
    icmp_rule = await api.succeeded(
        await api.http.post(
            f"{BASE}/networkaclrules",
            json={**rule_body, "ruleNumber": 2, "protocol": "ICMP", "icmpType": 8, "icmpCode": 0},
        )
    )
    tier_body = {
        "name": "lb-tier",
        "description": "d",
        "vpcId": catalog["vpc"],
        "networkOfferingId": seeded_id("networkOffering", "Load Balanced Network"),
        "networkAclId": seeded_id("networkAcl", "default_allow"),
    }
    tier = await api.succeeded(await api.http.post(f"{BASE}/networks", json=tier_body))
    return {
        "catalog": catalog,
        "instance": instance,
        "volume": volume,
        "iops_volume": iops_volume,
        "ip": ip,
        "acl": acl,
        "rule": rule,
        "icmp_rule": icmp_rule,
        "tier": tier,
    }


async def _send(api: Api, case: Case, world: dict[str, Any], **change: Any) -> Any:
    body = {**case.body(world), **change}
    return await api.http.request(case.method, case.path(world), params=case.params, json=body)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_integers_as_decimal_strings_are_accepted_and_nothing_else(
    api: Api, world: dict[str, Any], case: Case
) -> None:
    for field in case.ints:
        for value in NOT_DECIMAL:
            refused = await _send(api, case, world, **{field: value})
            assert refused.status_code == 400, (field, value, refused.text)
            assert {(e["errorCode"], e["context"].get("field")) for e in refused.json()["errors"]} == {
                ("INVALID_FIELD", field)
            }, (value, refused.text)
    accepted = await api.finished(await _send(api, case, world))
    assert accepted["taskStatus"] == "SUCCESS", accepted


async def test_ports_to_forward_may_be_strings(api: Api, world: dict[str, Any]) -> None:
    made = await api.create_instance(world["catalog"], name="ports", portsToForward=["2222", 8080])
    assert sorted(made["publicIps"][0]["ports"]) == ["2222", "8080"]
    for value in NOT_DECIMAL:
        refused = await api.http.post(f"{BASE}/instances", json=_instance(world, portsToForward=[value]))
        assert refused.status_code == 400 and error_of(refused)["errorCode"] == "INVALID_FIELD", refused.text


async def _more(api: Api, world: dict[str, Any]) -> dict[str, str]:
    """An existing item of every collection whose items take ``?operation=``."""
    catalog = world["catalog"]
    snapshot = await api.succeeded(
        await api.http.post(
            f"{BASE}/volumes/{world['volume']['id']}", params={"operation": "snapshot"}, json={}
        )
    )
    group = await api.succeeded(await api.http.post(f"{BASE}/affinitygroups", json={"name": "g"}))
    balancer = await api.succeeded(
        await api.http.post(f"{BASE}/loadbalancerrules", json=CASES[12].body(world))
    )
    vpn = await api.succeeded(await api.http.post(f"{BASE}/sitetositevpns", json=CASES[13].body(world)))
    [remote, *_] = (await api.http.get(f"{BASE}/remoteaccessvpns")).json()["data"]
    return {
        "instances": world["instance"]["id"],
        "volumes": world["volume"]["id"],
        "snapshots": snapshot["id"],
        "vpcs": catalog["vpc"],
        "networks": catalog["network"],
        "affinitygroups": group["id"],
        "publicipaddresses": world["ip"]["id"],
        "nics": world["instance"]["nics"][0]["id"],
        "networkaclrules": world["rule"]["id"],
        "loadbalancerrules": balancer["id"],
        "remoteaccessvpns": remote["id"],
        "sitetositevpns": vpn["id"],
    }


async def test_an_unknown_operation_is_refused_alike_on_every_item_route(
    api: Api, app: Any, world: dict[str, Any]
) -> None:
    existing = await _more(api, world)
    prefix = "/v1/services/{service_code}/{environment_name}/"
    routes = [
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
        if method in ("post", "put")
        and path.startswith(prefix)
        and re.fullmatch(r"[a-z]+/\{\w+\}", path[len(prefix) :])
    ]
    assert len(routes) >= 20, routes
    answers = {}
    for method, path in routes:
        collection = path[len(prefix) :].split("/")[0]
        assert collection in existing, f"no item of {collection} to try"
        for item in (existing[collection], str(uuid.uuid4())):
            response = await api.http.request(
                method, f"{BASE}/{collection}/{item}", params={"operation": "frobnicate"}, json={}
            )
            error = error_of(response) if response.status_code >= 400 else {}
            answers[(method, collection, item == existing[collection])] = (
                response.status_code,
                error.get("errorCode"),
                error.get("context", {}).get("operation"),
                error.get("context", {}).get("type"),
            )
    odd = {
        route: answer
        for route, answer in answers.items()
        if answer != (400, "UNKNOWN_OPERATION", "frobnicate", route[1])
    }
    assert odd == {}
