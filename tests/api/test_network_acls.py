"""Network ACLs and rules (API-CONTRACT 6.9): the built-ins, ACLs per VPC, rules with the contract's
validation and string-typed numbers, networks switching ACL, and the driver's filtering following
every change (or staying as it was when a change fails)."""

from __future__ import annotations

from typing import Any

from cloudca.server.bootstrap import seeded_id
from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

ACLS = f"{BASE}/networkacls"
RULES = f"{BASE}/networkaclrules"
DEFAULT_ALLOW = seeded_id("networkAcl", "default_allow")
DEFAULT_DENY = seeded_id("networkAcl", "default_deny")


def filtering(runtime: Runtime, network_id: str) -> list[tuple[int, str, str, str]] | None:
    """What the simulator filters on the network: (number, action, protocol, direction) in order."""
    rules = runtime.driver.network_acl(network_id)  # type: ignore[attr-defined]
    if rules is None:
        return None
    return [(r.rule_number, r.action, r.protocol, r.traffic_type) for r in rules]


async def new_acl(api: Api, catalog: dict[str, Any], name: str = "web-acl") -> dict[str, Any]:
    body = {"name": name, "description": "for the web tier", "vpcId": catalog["vpc"]}
    acl: dict[str, Any] = await api.succeeded(await api.http.post(ACLS, json=body))
    return acl


async def test_built_in_acls_are_listed_everywhere_and_cannot_change(
    api: Api, catalog: dict[str, Any]
) -> None:
    listed = (await api.http.get(ACLS, params={"vpc_id": catalog["vpc"]})).json()
    assert listed["metadata"]["recordCount"] == 2
    assert listed["data"] == [
        {"id": DEFAULT_ALLOW, "name": "default_allow", "description": "Allow all traffic"},
        {"id": DEFAULT_DENY, "name": "default_deny", "description": "Deny all traffic"},
    ]
    rules = (await api.http.get(RULES, params={"network_acl_id": DEFAULT_ALLOW})).json()["data"]
    assert [(r["ruleNumber"], r["action"], r["protocol"], r["trafficType"], r["cidr"]) for r in rules] == [
        ("1", "Allow", "ALL", "Ingress", "0.0.0.0/0"),
        ("2", "Allow", "ALL", "Egress", "0.0.0.0/0"),
    ]
    assert (await api.http.get(f"{RULES}/{rules[0]['id']}")).json()["data"] == rules[0]
    deny_rules = (await api.http.get(RULES, params={"network_acl_id": DEFAULT_DENY})).json()["data"]
    assert {r["action"] for r in deny_rules} == {"Deny"}

    for refused in (
        await api.http.delete(f"{ACLS}/{DEFAULT_ALLOW}"),
        await api.http.put(f"{RULES}/{rules[0]['id']}", json={"action": "Deny"}),
        await api.http.delete(f"{RULES}/{rules[0]['id']}"),
        await api.http.post(
            RULES,
            json={
                "networkAclId": DEFAULT_DENY,
                "ruleNumber": 3,
                "cidr": "0.0.0.0/0",
                "action": "Allow",
                "protocol": "ALL",
                "trafficType": "Ingress",
            },
        ),
    ):
        assert refused.status_code == 400 and error_of(refused)["errorCode"] == "INVALID_FIELD", refused.text
    assert (await api.http.get(f"{ACLS}/{DEFAULT_ALLOW}")).status_code == 200


async def test_acl_and_rule_lifecycle_with_the_contracts_shapes(api: Api, catalog: dict[str, Any]) -> None:
    acl = await new_acl(api, catalog)
    assert acl == {
        "id": acl["id"],
        "name": "web-acl",
        "description": "for the web tier",
        "vpcId": catalog["vpc"],
    }
    listed = (await api.http.get(ACLS, params={"vpc_id": catalog["vpc"]})).json()["data"]
    assert [a["name"] for a in listed] == ["web-acl", "default_allow", "default_deny"]
    other_vpc = "00000000-0000-4000-8000-000000000000"
    assert [a["name"] for a in (await api.http.get(ACLS, params={"vpc_id": other_vpc})).json()["data"]] == [
        "default_allow",
        "default_deny",
    ]

    http = {
        "networkAclId": acl["id"],
        "ruleNumber": "10",
        "cidr": "0.0.0.0/0",
        "action": "allow",
        "protocol": "Tcp",
        "startPort": "80",
        "endPort": 443,
        "trafficType": "Ingress",
    }
    rule = await api.succeeded(await api.http.post(RULES, json=http))
    assert rule == {
        "id": rule["id"],
        "networkAclId": acl["id"],
        "ruleNumber": "10",
        "cidr": "0.0.0.0/0",
        "action": "allow",
        "protocol": "Tcp",
        "startPort": "80",
        "endPort": "443",
        "trafficType": "Ingress",
        "state": "Active",
    }
    # The Go client omits a zero ICMP code (omitempty): an absent one is 0.
    ping = {"networkAclId": acl["id"], "ruleNumber": 5, "cidr": "10.0.0.0/8", "action": "Allow"}
    ping |= {"protocol": "ICMP", "icmpType": "8", "trafficType": "Ingress"}
    icmp = await api.succeeded(await api.http.post(RULES, json=ping))
    assert (icmp["icmpType"], icmp["icmpCode"]) == ("8", "0") and "startPort" not in icmp
    everything = {**ping, "ruleNumber": 20, "protocol": "ALL", "icmpType": None, "trafficType": "Egress"}
    egress = await api.succeeded(await api.http.post(RULES, json=everything))
    assert not {"startPort", "endPort", "icmpType", "icmpCode"} & set(egress)

    rules = (await api.http.get(RULES, params={"network_acl_id": acl["id"]})).json()
    assert [r["ruleNumber"] for r in rules["data"]] == ["5", "10", "20"] and rules["metadata"][
        "recordCount"
    ] == 3
    assert (await api.http.get(f"{RULES}/{rule['id']}")).json()["data"] == rule

    # Terraform's update resends every field but the protocol; TCP may become UDP.
    updated = await api.succeeded(
        await api.http.put(
            f"{RULES}/{rule['id']}", json={"id": rule["id"], "ruleNumber": "11", "action": "Deny"}
        )
    )
    assert (updated["ruleNumber"], updated["action"], updated["protocol"]) == ("11", "Deny", "Tcp")
    udp = await api.succeeded(await api.http.put(f"{RULES}/{rule['id']}", json={"protocol": "UDP"}))
    assert (udp["protocol"], udp["startPort"], udp["endPort"]) == ("UDP", "80", "443")

    await api.succeeded(await api.http.delete(f"{RULES}/{rule['id']}"))
    assert (await api.http.get(f"{RULES}/{rule['id']}")).status_code == 404
    await api.succeeded(await api.http.delete(f"{ACLS}/{acl['id']}"))
    assert (await api.http.get(f"{ACLS}/{acl['id']}")).status_code == 404
    assert (await api.http.get(f"{RULES}/{icmp['id']}")).status_code == 404  # its rules went with it


async def test_rule_validation(api: Api, catalog: dict[str, Any]) -> None:
    acl = await new_acl(api, catalog)
    base = {
        "networkAclId": acl["id"],
        "ruleNumber": 1,
        "cidr": "0.0.0.0/0",
        "action": "Allow",
        "protocol": "TCP",
        "startPort": 22,
        "endPort": 22,
        "trafficType": "Ingress",
    }
    await api.succeeded(await api.http.post(RULES, json=base))
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"ruleNumber": "1"}, "DUPLICATE", "ruleNumber"),
        ({"ruleNumber": 2, "protocol": "ALL"}, "INVALID_FIELD", "startPort"),
        ({"ruleNumber": 2, "icmpType": 8}, "INVALID_FIELD", "icmpType"),
        ({"ruleNumber": 2, "endPort": None}, "MISSING_FIELD", "endPort"),
        ({"ruleNumber": 2, "startPort": 30, "endPort": 20}, "INVALID_FIELD", "endPort"),
        ({"ruleNumber": 2, "action": "Maybe"}, "INVALID_FIELD", "action"),
        ({"ruleNumber": 2, "trafficType": "Sideways"}, "INVALID_FIELD", "trafficType"),
        (
            {"ruleNumber": 2, "protocol": "GRE", "startPort": None, "endPort": None},
            "INVALID_FIELD",
            "protocol",
        ),
        ({"ruleNumber": 2, "cidr": "10.0.0.0/33"}, "INVALID_FIELD", "cidr"),
        ({"ruleNumber": "two"}, "INVALID_FIELD", "ruleNumber"),
        ({"ruleNumber": 2, "networkAclId": DEFAULT_ALLOW}, "INVALID_FIELD", "networkAclId"),
        (
            {"ruleNumber": 2, "networkAclId": "00000000-0000-4000-8000-000000000000"},
            "INVALID_FIELD",
            "networkAclId",
        ),
        ({"cidr": None}, "MISSING_FIELD", "cidr"),
    ]
    for change, code, field in cases:
        response = await api.http.post(RULES, json={**base, **change})
        assert response.status_code == 400, (change, response.text)
        problems = {(e["errorCode"], e["context"].get("field")) for e in response.json()["errors"]}
        assert (code, field) in problems, (change, problems)
    rule = (await api.http.get(RULES, params={"network_acl_id": acl["id"]})).json()["data"][0]
    to_icmp = await api.http.put(f"{RULES}/{rule['id']}", json={"protocol": "ICMP"})
    assert to_icmp.status_code == 400 and error_of(to_icmp)["context"]["field"] == "protocol"
    bad = await api.http.post(
        ACLS, json={"name": "x", "description": "d", "vpcId": "00000000-0000-4000-8000-000000000000"}
    )
    assert bad.status_code == 400 and error_of(bad)["context"]["field"] == "vpcId"


async def test_networks_switch_acl_and_the_driver_filters_by_it(
    api: Api, catalog: dict[str, Any], runtime: Runtime
) -> None:
    network = catalog["network"]
    acl = await new_acl(api, catalog)
    rule = {"networkAclId": acl["id"], "cidr": "0.0.0.0/0", "trafficType": "Ingress", "protocol": "TCP"}
    await api.succeeded(
        await api.http.post(
            RULES, json={**rule, "ruleNumber": 2, "action": "Deny", "startPort": 1, "endPort": 65535}
        )
    )
    allow = await api.succeeded(
        await api.http.post(
            RULES, json={**rule, "ruleNumber": 1, "action": "Allow", "startPort": 80, "endPort": 80}
        )
    )

    switched = await api.succeeded(
        await api.http.post(
            f"{BASE}/networks/{network}", params={"operation": "replace"}, json={"networkAclId": acl["id"]}
        )
    )
    assert (switched["networkAclId"], switched["networkAclName"]) == (acl["id"], "web-acl")
    assert filtering(runtime, network) == [(1, "allow", "tcp", "ingress"), (2, "deny", "tcp", "ingress")]

    in_use = await api.http.delete(f"{ACLS}/{acl['id']}")
    assert in_use.status_code == 400 and error_of(in_use)["errorCode"] == "ENTITY_IN_USE"
    assert error_of(in_use)["context"]["dependants"] == [network]

    # A rule change reaches every network using the ACL; a refused one leaves the filtering as it was.
    await api.succeeded(await api.http.put(f"{RULES}/{allow['id']}", json={"ruleNumber": 3}))
    assert filtering(runtime, network) == [(2, "deny", "tcp", "ingress"), (3, "allow", "tcp", "ingress")]
    runtime.driver.inject_fault("set_network_acl")  # type: ignore[attr-defined]
    failed = await api.finished(await api.http.delete(f"{RULES}/{allow['id']}"))
    assert failed["taskStatus"] == "FAILED"
    assert (await api.http.get(f"{RULES}/{allow['id']}")).status_code == 200
    assert filtering(runtime, network) == [(2, "deny", "tcp", "ingress"), (3, "allow", "tcp", "ingress")]

    back = await api.http.post(
        f"{BASE}/networks/{network}", params={"operation": "replace"}, json={"networkAclId": DEFAULT_ALLOW}
    )
    await api.succeeded(back)
    assert filtering(runtime, network) == [(1, "allow", "all", "ingress"), (2, "allow", "all", "egress")]
    await api.succeeded(await api.http.delete(f"{ACLS}/{acl['id']}"))


async def test_a_new_network_is_filtered_by_its_acl_until_deleted(
    api: Api, catalog: dict[str, Any], runtime: Runtime
) -> None:
    offering = (await api.http.get(f"{BASE}/networkofferings")).json()["data"][0]["id"]
    body = {"name": "dmz", "description": "d", "vpcId": catalog["vpc"], "networkOfferingId": offering}
    network = await api.succeeded(
        await api.http.post(f"{BASE}/networks", json={**body, "networkAclId": DEFAULT_DENY})
    )
    assert filtering(runtime, network["id"]) == [(1, "deny", "all", "ingress"), (2, "deny", "all", "egress")]
    other_vpc_acl = await api.http.post(
        f"{BASE}/networks/{network['id']}", params={"operation": "replace"}, json={}
    )
    assert other_vpc_acl.status_code == 400 and error_of(other_vpc_acl)["errorCode"] == "MISSING_FIELD"

    await api.succeeded(await api.http.delete(f"{BASE}/networks/{network['id']}"))
    assert filtering(runtime, network["id"]) is None


async def test_deleting_a_vpc_deletes_its_acls_their_rules_and_its_vpns(api: Api) -> None:
    offering = (await api.http.get(f"{BASE}/vpcofferings")).json()["data"][0]["id"]
    vpc = await api.succeeded(
        await api.http.post(f"{BASE}/vpcs", json={"name": "t", "description": "d", "vpcOfferingId": offering})
    )
    acl = await new_acl(api, {"vpc": vpc["id"]})
    body = {"networkAclId": acl["id"], "ruleNumber": 1, "cidr": "0.0.0.0/0", "action": "Allow"}
    rule = await api.succeeded(
        await api.http.post(RULES, json={**body, "protocol": "ALL", "trafficType": "Egress"})
    )
    [vpn] = (await api.http.get(f"{BASE}/remoteaccessvpns", params={"vpc_id": vpc["id"]})).json()["data"]
    await api.succeeded(
        await api.http.post(f"{BASE}/remoteaccessvpns/{vpn['id']}", params={"operation": "enable"})
    )
    s2s = {
        "name": "site",
        "vpcId": vpc["id"],
        "gateway": "192.0.2.1",
        "cidr": "192.168.0.0/24",
        "ipSecPsk": "abcdefghij12",
        "ikeEncryptionAlgorithm": "aes256",
        "ikeHashAlgorithm": "sha1",
        "ikeLifetime": 86400,
        "espEncryptionAlgorithm": "aes256",
        "espHashAlgorithm": "sha1",
        "espLifetime": 3600,
    }
    site = await api.succeeded(await api.http.post(f"{BASE}/sitetositevpns", json=s2s))

    await api.succeeded(await api.http.delete(f"{BASE}/vpcs/{vpc['id']}"))
    for path in (
        f"{ACLS}/{acl['id']}",
        f"{RULES}/{rule['id']}",
        f"{BASE}/remoteaccessvpns/{vpn['id']}",
        f"{BASE}/sitetositevpns/{site['id']}",
    ):
        assert (await api.http.get(path)).status_code == 404, path
