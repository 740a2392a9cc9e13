"""Static NAT reaches the driver (API-CONTRACT 6.10): what the API shows is what the backend does,
after enable, disable, release and destroy, and a backend that refuses leaves both unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from cloudca.server.runtime import Runtime
from tests.api.test_public_ips import acquire, ip_op
from tests.support import BASE, Api


def natted(runtime: Runtime, address: str) -> str | None:
    simulator: Any = runtime.driver
    return simulator.static_nat(address)  # type: ignore[no-any-return]


async def enabled(api: Api, catalog: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    instance = await api.create_instance(catalog)
    ip = await acquire(api, catalog["vpc"])
    await api.succeeded(
        await ip_op(api, ip["id"], "enableStaticNat", {"privateIpId": instance["ipAddressId"]})
    )
    return instance, ip


async def test_enable_and_disable_reach_the_driver(
    api: Api, catalog: dict[str, Any], runtime: Runtime
) -> None:
    instance, ip = await enabled(api, catalog)
    assert natted(runtime, ip["ipAddress"]) == instance["ipAddress"]

    await api.succeeded(await ip_op(api, ip["id"], "disableStaticNat"))
    assert natted(runtime, ip["ipAddress"]) is None


@pytest.mark.parametrize("how", ["release", "destroy"])
async def test_release_and_destroy_end_the_static_nat_on_the_driver(
    api: Api, catalog: dict[str, Any], runtime: Runtime, how: str
) -> None:
    instance, ip = await enabled(api, catalog)
    if how == "release":
        await api.succeeded(await api.http.delete(f"{BASE}/publicipaddresses/{ip['id']}"))
    else:
        await api.succeeded(
            await api.http.delete(f"{BASE}/instances/{instance['id']}", params={"purgeImmediately": "true"})
        )
    assert natted(runtime, ip["ipAddress"]) is None


async def test_a_refused_enable_changes_neither_the_api_nor_the_driver(
    api: Api, catalog: dict[str, Any], runtime: Runtime
) -> None:
    instance = await api.create_instance(catalog)
    ip = await acquire(api, catalog["vpc"])
    runtime.driver.inject_fault("set_static_nat")  # type: ignore[attr-defined]

    task = await api.finished(
        await ip_op(api, ip["id"], "enableStaticNat", {"privateIpId": instance["ipAddressId"]})
    )

    assert task["taskStatus"] == "FAILED"
    assert task["result"]["errors"][0]["errorCode"] == "INTERNAL_ERROR"
    assert (await api.http.get(f"{BASE}/publicipaddresses/{ip['id']}")).json()["data"]["purposes"] == []
    assert natted(runtime, ip["ipAddress"]) is None
