"""Instance task payloads: typed, frozen, and read back from the JSON a task has always stored."""

from __future__ import annotations

import dataclasses

import pytest

from cloudca.server.instances.payloads import ChangeComputeOfferingPayload, CreatePayload, DestroyPayload


def test_a_payload_round_trips_through_the_tasks_json() -> None:
    payload = CreatePayload(rootVolumeSizeInGb=20, affinityGroupIds=("g1",), portsToForward=(22, 80))
    stored = payload.to_json()
    assert stored["portsToForward"] == (22, 80)
    assert CreatePayload.from_json({**stored, "portsToForward": [22, 80]}) == payload


def test_keys_recorded_by_earlier_versions_still_read() -> None:
    # What ``instances.destroy`` stored before payloads were typed: the request body's dump.
    recorded = {
        "purgeImmediately": True,
        "deleteSnapshots": False,
        "publicIpIdsToRelease": ["ip-1"],
        "volumeIdsToDelete": [],
        "somethingNewer": 1,
    }
    options = DestroyPayload.from_json(recorded)
    assert options == DestroyPayload(True, False, ("ip-1",), ())


def test_payloads_are_frozen() -> None:
    payload = ChangeComputeOfferingPayload("offering", 2, 2048)
    with pytest.raises(dataclasses.FrozenInstanceError):
        payload.cpuCount = 4  # type: ignore[misc]
