"""The usage summary (API-CONTRACT 3.5): instance-hours per compute offering, volume GB-hours and
public-IP hours, from intervals the database records in the transaction of each change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.tenants import create_user, data
from tests.support import BASE, Api, error_of


def _window() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"start_date": str(today - timedelta(days=1)), "end_date": str(today + timedelta(days=1))}


async def _usage(api: Api, organization_id: str, **params: str) -> list[dict[str, Any]]:
    response = await api.http.get(
        f"/v1/usage_summary/organizations/{organization_id}",
        params={**_window(), "period": "PERIOD", **params},
    )
    rows: list[dict[str, Any]] = data(response)
    return rows


async def test_usage_follows_state_changes(api: Api, catalog: dict[str, Any]) -> None:
    [organization] = data(await api.http.get("/v1/organizations"))
    instance = await api.create_instance(catalog, name="metered", diskOfferingId=catalog["disk_fixed"])
    await api.succeeded(await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]}))
    await api.succeeded(await api.operation(instance["id"], "stop"))
    first = {(row["usageType"], row["secondaryType"]): row for row in await _usage(api, organization["id"])}
    assert {("INSTANCE", "1vCPU.512MB"), ("VOLUME", "GB"), ("PUBLIC_IP", "IP")} <= set(first)
    instance_row = first[("INSTANCE", "1vCPU.512MB")]
    assert instance_row["environmentId"] == catalog["environment"] and instance_row["utilityUsage"] > 0
    assert instance_row["utilityCost"] == 0.0 and instance_row["startDate"].endswith("T00:00:00.000Z")
    # Stopped, the instance no longer accrues; the volumes (root and data) and the IPs still do.
    second = {(row["usageType"], row["secondaryType"]): row for row in await _usage(api, organization["id"])}
    assert second[("INSTANCE", "1vCPU.512MB")]["utilityUsage"] == instance_row["utilityUsage"]
    assert second[("VOLUME", "GB")]["utilityUsage"] > first[("VOLUME", "GB")]["utilityUsage"]
    hourly = await _usage(api, organization["id"], period="HOUR")
    assert sum(row["utilityUsage"] for row in hourly if row["usageType"] == "INSTANCE") > 0
    combined = await _usage(api, organization["id"], combine_usage_types="true")
    assert combined and all("usageType" not in row for row in combined)
    csv = await api.http.get(
        f"/v1/usage_summary/organizations/{organization['id']}", params={**_window(), "format": "csv"}
    )
    assert csv.status_code == 200 and csv.text.startswith("organizationId,serviceConnectionId,environmentId")


async def test_usage_is_for_organization_admins(api: Api) -> None:
    [organization] = data(await api.http.get("/v1/organizations"))
    _, key = await create_user(api, "accountant")
    refused = await api.http.get(
        f"/v1/usage_summary/organizations/{organization['id']}", params=_window(), headers={"MC-Api-Key": key}
    )
    assert refused.status_code == 403
    bad = await api.http.get(
        f"/v1/usage_summary/organizations/{organization['id']}",
        params={"start_date": "yesterday", "end_date": "2030-01-01"},
    )
    assert bad.status_code == 400 and error_of(bad)["errorCode"] == "INVALID_QUERY_PARAMETER"
    unknown = await api.http.get(
        "/v1/usage_summary/organizations/00000000-0000-4000-8000-000000000000", params=_window()
    )
    assert unknown.status_code == 404
