"""SSH keys (API-CONTRACT 6.16): register, get by name or id with the fingerprint, list, delete."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from tests.api.conftest import public_key
from tests.support import BASE, Api, error_of

KEYS = f"{BASE}/sshkeys"


def md5_fingerprint(text: str) -> str:
    digest = hashlib.md5(base64.b64decode(text.split()[1]), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


async def register(api: Api, name: str, key: str | None = None) -> dict[str, Any]:
    body = {"name": name, "publicKey": key or public_key(name)}
    result: dict[str, Any] = await api.succeeded(await api.http.post(KEYS, json=body))
    return result


async def test_register_get_list_delete(api: Api) -> None:
    text = public_key("laptop")
    key = await register(api, "laptop", text)
    assert key["name"] == "laptop" and key["publicKey"] == text
    assert key["fingerprint"] == md5_fingerprint(text)
    by_name = (await api.http.get(f"{KEYS}/laptop")).json()["data"]
    by_id = (await api.http.get(f"{KEYS}/{key['id']}")).json()["data"]
    assert by_name == by_id == key
    await register(api, "desktop")
    listed = (await api.http.get(KEYS)).json()
    assert [k["name"] for k in listed["data"]] == ["laptop", "desktop"]
    assert listed["metadata"]["recordCount"] == 2

    deleted = await api.succeeded(await api.http.delete(f"{KEYS}/{key['id']}"))
    assert deleted["id"] == key["id"]
    gone = await api.http.get(f"{KEYS}/laptop")
    assert gone.status_code == 404 and error_of(gone)["errorCode"] == "NOT_FOUND"
    assert (await api.http.delete(f"{KEYS}/laptop")).status_code == 404


async def test_invalid_key_is_a_clear_400(api: Api) -> None:
    for bad in ("not a key", "ssh-rsa !!!notbase64", "ssh-ed25519 " + base64.b64encode(b"garbage").decode()):
        response = await api.http.post(KEYS, json={"name": "bad", "publicKey": bad})
        assert response.status_code == 400
        error = error_of(response)
        assert error["errorCode"] == "INVALID_FIELD" and error["context"]["field"] == "publicKey"
        assert "OpenSSH public key" in error["message"]
    missing = await api.http.post(KEYS, json={"name": "bad"})
    assert error_of(missing)["errorCode"] == "MISSING_FIELD"
    assert (await api.http.get(KEYS)).json()["data"] == []


async def test_duplicate_name_is_refused(api: Api) -> None:
    await register(api, "dup")
    response = await api.http.post(KEYS, json={"name": "dup", "publicKey": public_key("other")})
    assert response.status_code == 400
    assert error_of(response)["errorCode"] == "DUPLICATE"


async def test_instance_uses_a_key_and_keeps_it_after_delete(
    api: Api, catalog: dict[str, Any], runtime: Any
) -> None:
    first = await register(api, "first")
    second = await register(api, "second")
    created = await api.create_instance(catalog, sshKeyName="first")
    assert created["sshKeyName"] == "first"
    machine = runtime.driver.machine(created["id"])
    assert machine.ssh_public_key == first["publicKey"]
    associated = await api.succeeded(
        await api.operation(created["id"], "associateSSHKey", {"sshKeyName": "second"})
    )
    assert associated["sshKeyName"] == "second"
    assert runtime.driver.machine(created["id"]).ssh_public_key == second["publicKey"]
    await api.succeeded(await api.http.delete(f"{KEYS}/second"))
    assert (await api.get_instance(created["id"]))["sshKeyName"] == "second"
    unknown = await api.operation(created["id"], "associateSSHKey", {"sshKeyName": "second"})
    assert error_of(unknown)["errorCode"] == "INVALID_FIELD"
