"""Networking and storage task payloads: typed, and read back from the JSON their tasks stored
before they were typed (a task recorded before an upgrade runs the same after it)."""

from __future__ import annotations

import json

from cloudca.server.core.payloads import NoPayload
from cloudca.server.networking.payloads import (
    BalancerPayload,
    CreateRulePayload,
    NicPayload,
    StickinessPayload,
    UpdatePayload,
)
from cloudca.server.storage.payloads import CreateVolumePayload, ResizePayload


def test_a_load_balancer_rule_round_trips_through_the_tasks_json() -> None:
    payload = CreateRulePayload(
        publicIpId="ip",
        networkId="net",
        name="web",
        publicPort=80,
        privatePort=8080,
        protocol="tcp",
        algorithm="roundrobin",
        instanceIds=("a", "b"),
        sslCertificateId=None,
        stickinessMethod="LbCookie",
        stickinessPolicyParameters={"name": "c"},
        stickinessPolicyId="policy",
    )
    assert CreateRulePayload.from_json(json.loads(json.dumps(payload.to_json()))) == payload


def test_what_earlier_versions_recorded_still_reads() -> None:
    # ``loadbalancerrules.updateStickiness`` before typing: the router merged the rule's IP and
    # network into the check's dict.
    recorded = {
        "publicIpId": "ip",
        "networkId": "net",
        "stickinessMethod": None,
        "stickinessPolicyParameters": {},
        "stickinessPolicyId": None,
    }
    stickiness = StickinessPayload.from_json(recorded)
    assert (stickiness.publicIpId, stickiness.stickinessMethod, stickiness.last) == ("ip", None, None)
    # A delete recorded the IP and network with the last representation.
    deleted = BalancerPayload.from_json({"publicIpId": "ip", "networkId": "net", "last": {"id": "r"}})
    assert deleted.last == {"id": "r"}
    # ``nics.delete`` recorded the check's dict plus ``last``; ``nics.setDefault`` only the instance.
    assert NicPayload.from_json({"instanceId": "i"}) == NicPayload(instanceId="i")
    # ``volumes.create`` without an instance recorded ``instanceId: null``.
    volume = CreateVolumePayload.from_json(
        {"name": "v", "diskOfferingId": "o", "sizeInGb": 20, "iops": None, "zoneId": "z", "instanceId": None}
    )
    assert (volume.sizeInGb, volume.instanceId) == (20, None)
    assert ResizePayload.from_json({"sizeInGb": 30, "iops": None, "instanceId": "i"}).instanceId == "i"


def test_an_update_changes_only_the_columns_it_names() -> None:
    assert UpdatePayload(name="new").changes() == {"name": "new"}
    # ``?operation=replace`` on a network recorded only the new ACL, under its column's name.
    assert UpdatePayload.from_json({"network_acl_id": "acl"}).changes() == {"network_acl_id": "acl"}
    assert NoPayload().to_json() == {}
