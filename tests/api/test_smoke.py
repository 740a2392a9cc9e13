"""The founding document's flow, end to end through the real app."""

from __future__ import annotations

from typing import Any

from tests.support import BASE, Api, error_of


async def test_create_stop_reset_destroy_recover(api: Api, catalog: dict[str, Any]) -> None:
    created = await api.create_instance(catalog, name="ultron")
    assert created["state"] == "Running"
    assert created["password"]
    instance_id = created["id"]

    assert (await api.succeeded(await api.operation(instance_id, "stop")))["state"] == "Stopped"
    refused = await api.operation(instance_id, "stop")
    assert refused.status_code == 400
    error = error_of(refused)
    assert error["code"] == 2012 and error["errorCode"] == "INVALID_STATE"
    assert error["context"] == {
        "id": instance_id,
        "type": "instances",
        "currentState": "Stopped",
        "expectedStates": ["Running"],
    }
    reset = await api.succeeded(await api.operation(instance_id, "resetPassword"))
    assert reset["password"] and reset["password"] != created["password"]
    assert "password" not in await api.get_instance(instance_id)

    destroyed = await api.succeeded(await api.http.delete(f"{BASE}/instances/{instance_id}"))
    assert destroyed["state"] == "Destroyed"
    recovered = await api.succeeded(await api.operation(instance_id, "recover"))
    assert recovered["state"] == "Stopped"
