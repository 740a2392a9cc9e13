"""Bounded input: every integer has a range, and anything outside it is a 400 with the envelope,
never a 500, a task failing with OverflowError or a task stuck PENDING. Numeric strings (1.9) are
accepted the same way on every path (every endpoint: ``test_uniform_input.py``).

Issue 10, "Why": numbers beyond the database's integers reached SQL (a 500, an OverflowError
task, a stuck task), and some sizes had no upper bound."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import BASE, Api

HUGE = [2**64, -(2**63) - 1, 10**30, "99999999999999999999", 2**31]


def _assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert any(error["context"].get("field", error["context"].get("parameter")) == field for error in errors)


async def _volume(api: Api, catalog: dict[str, Any], **fields: Any) -> httpx.Response:
    body = {"name": "bounded", "diskOfferingId": catalog["disk_custom_size"], **fields}
    return await api.http.post(f"{BASE}/volumes", json=body)


def _instance(catalog: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": "bounded",
        "templateId": catalog["template_resizable"],
        "computeOfferingId": catalog["offering"],
        "networkId": catalog["network"],
        **fields,
    }


@pytest.mark.parametrize("value", [*HUGE, 0, 1025, -1])
async def test_volume_sizes_are_bounded_on_every_path(api: Api, catalog: dict[str, Any], value: Any) -> None:
    _assert_refused(await _volume(api, catalog, sizeInGb=value), "sizeInGb")
    create = _instance(catalog, diskOfferingId=catalog["disk_custom_size"], additionalDiskSizeInGb=value)
    _assert_refused(await api.http.post(f"{BASE}/instances", json=create), "additionalDiskSizeInGb")
    create = _instance(catalog, rootVolumeSizeInGb=value)
    _assert_refused(await api.http.post(f"{BASE}/instances", json=create), "rootVolumeSizeInGb")


async def test_resize_is_bounded_like_create(api: Api, catalog: dict[str, Any]) -> None:
    volume = await api.succeeded(await _volume(api, catalog, sizeInGb="20"))  # a numeric string (1.9)
    assert volume["sizeInGb"] == 20
    for value in [*HUGE, 1025]:
        response = await api.http.post(
            f"{BASE}/volumes/{volume['id']}", params={"operation": "resize"}, json={"sizeInGb": value}
        )
        _assert_refused(response, "sizeInGb")
    grown = await api.http.post(
        f"{BASE}/volumes/{volume['id']}", params={"operation": "resize"}, json={"sizeInGb": "1024"}
    )
    assert (await api.succeeded(grown))["sizeInGb"] == 1024


@pytest.mark.parametrize("field", ["cpuCount", "memoryInMB"])
@pytest.mark.parametrize("value", HUGE)
async def test_custom_sizes_are_bounded(api: Api, catalog: dict[str, Any], field: str, value: Any) -> None:
    body = _instance(catalog, computeOfferingId=catalog["offering_custom"], cpuCount=2, memoryInMB=2048)
    body[field] = value
    _assert_refused(await api.http.post(f"{BASE}/instances", json=body), field)


@pytest.mark.parametrize("parameter", ["page_size", "page_number"])
@pytest.mark.parametrize("value", ["99999999999999999999", str(2**31), "0", "-1", "1.5", "²", "x"])
async def test_paging_values_are_bounded(api: Api, parameter: str, value: str) -> None:
    params = {"page_size": "10", parameter: value}
    for path in (f"{BASE}/instances", f"{BASE}/volumes", f"{BASE}/templates", "/v1/environments"):
        _assert_refused(await api.http.get(path, params=params), parameter)


async def test_an_error_echoing_a_huge_number_is_still_an_error(api: Api, catalog: dict[str, Any]) -> None:
    response = await _volume(api, catalog, sizeInGb=10**40)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert float(error["context"]["value"]) == float(10**40)
