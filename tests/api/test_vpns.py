"""Remote access VPNs, VPN users and site-to-site VPNs (API-CONTRACT 6.19), as the Go client and
Terraform use them: the VPN's id is the VPC's source NAT IP's, enabling adds ``VPN`` to the IP's
purposes and sets the VPC's ``vpnStatus``; users are created by name and found by listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cloudca.server.networking.models import VpnUser
from cloudca.server.runtime import Runtime
from tests.support import BASE, Api, error_of

VPNS = f"{BASE}/remoteaccessvpns"
USERS = f"{BASE}/vpnusers"
S2S = f"{BASE}/sitetositevpns"


async def test_remote_access_vpn_enable_and_disable(api: Api, catalog: dict[str, Any]) -> None:
    ips = (await api.http.get(f"{BASE}/publicipaddresses", params={"vpc_id": catalog["vpc"]})).json()["data"]
    source_nat = next(ip for ip in ips if "SOURCE_NAT" in ip["purposes"])  # what Terraform looks for
    [vpn] = (await api.http.get(VPNS, params={"vpc_id": catalog["vpc"]})).json()["data"]
    assert vpn == {
        "id": source_nat["id"],
        "publicIpAddress": source_nat["ipAddress"],
        "publicIpAddressId": source_nat["id"],
        "state": "Disabled",
        "type": "L2TP",
    }

    enabled = await api.succeeded(await api.http.post(f"{VPNS}/{vpn['id']}", params={"operation": "enable"}))
    assert enabled["state"] == "Enabled" and len(enabled["presharedKey"]) == 24
    assert (await api.http.get(f"{VPNS}/{vpn['id']}")).json()["data"] == enabled
    ip = (await api.http.get(f"{BASE}/publicipaddresses/{vpn['id']}")).json()["data"]
    assert ip["purposes"] == ["SOURCE_NAT", "VPN"]
    assert (await api.http.get(f"{BASE}/vpcs/{catalog['vpc']}")).json()["data"]["vpnStatus"] == "Enabled"
    again = await api.succeeded(await api.http.post(f"{VPNS}/{vpn['id']}", params={"operation": "enable"}))
    assert again["presharedKey"] == enabled["presharedKey"]

    disabled = await api.succeeded(
        await api.http.post(f"{VPNS}/{vpn['id']}", params={"operation": "disable"})
    )
    assert disabled["state"] == "Disabled" and "presharedKey" not in disabled
    assert (await api.http.get(f"{BASE}/vpcs/{catalog['vpc']}")).json()["data"]["vpnStatus"] == "Disabled"

    other = await api.succeeded(
        await api.http.post(f"{BASE}/publicipaddresses", json={"vpcId": catalog["vpc"]})
    )
    assert (await api.http.get(f"{VPNS}/{other['id']}")).status_code == 404
    missing = await api.http.post(f"{VPNS}/{other['id']}", params={"operation": "enable"})
    assert missing.status_code == 404
    unknown = await api.http.post(f"{VPNS}/{vpn['id']}", params={"operation": "explode"})
    assert unknown.status_code == 400 and error_of(unknown)["errorCode"] == "UNKNOWN_OPERATION"


async def test_vpn_users(api: Api, runtime: Runtime) -> None:
    created = await api.succeeded(
        await api.http.post(USERS, json={"username": "wilson", "password": "s3cret-pass"})
    )
    assert created == {"id": created["id"], "username": "wilson"}
    listed = (await api.http.get(USERS)).json()
    assert listed["data"] == [created] and listed["metadata"]["recordCount"] == 1
    assert (await api.http.get(f"{USERS}/{created['id']}")).json()["data"] == created
    async with runtime.database.session() as session:
        digest = (await session.execute(select(VpnUser.password_digest))).scalar_one()
    assert digest.startswith("scrypt$") and "s3cret-pass" not in digest

    duplicate = await api.http.post(USERS, json={"username": "wilson", "password": "other"})
    assert duplicate.status_code == 400 and error_of(duplicate)["errorCode"] == "DUPLICATE"
    no_password = await api.http.post(USERS, json={"username": "kim"})
    assert no_password.status_code == 400 and error_of(no_password)["context"]["field"] == "password"

    # The Go client sends {id, username} with the delete; it is ignored.
    body = {"id": created["id"], "username": "wilson"}
    await api.succeeded(await api.http.request("DELETE", f"{USERS}/{created['id']}", json=body))
    assert (await api.http.get(f"{USERS}/{created['id']}")).status_code == 404


async def test_site_to_site_vpns(api: Api, catalog: dict[str, Any]) -> None:
    body = {
        "name": "stargate",
        "vpcId": catalog["vpc"],
        "gateway": "19.19.19.19",
        "cidr": "10.12.0.2/22",
        "ipSecPsk": "WtOBS9GRux2XtJPtHY2TUvrv",
        "ikeEncryptionAlgorithm": "3des",
        "ikeHashAlgorithm": "sha1",
        "ikeDhGroup": "modp1536",
        "ikeLifetime": 86400,
        "espEncryptionAlgorithm": "3des",
        "espHashAlgorithm": "sha1",
        "espPerfectForwardSecrecy": "modp1536",
        "espLifetime": "3600",
        "dpd": False,
        "forceEncap": "false",
    }
    vpn = await api.succeeded(await api.http.post(S2S, json=body))
    assert vpn == {
        **body,
        "id": vpn["id"],
        "state": "Connected",
        "espLifetime": 3600,
        "forceEncap": False,
    }
    assert (await api.http.get(S2S, params={"vpc_id": catalog["vpc"]})).json()["data"] == [vpn]
    assert (await api.http.get(f"{S2S}/{vpn['id']}")).json()["data"] == vpn

    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"name": "other"}, "DUPLICATE", "gateway"),
        ({"gateway": "19.19.19.20"}, "DUPLICATE", "name"),
        ({"name": "b", "gateway": "1.2.3.4", "ipSecPsk": "short"}, "INVALID_FIELD", "ipSecPsk"),
        (
            {"name": "b", "gateway": "1.2.3.4", "ikeEncryptionAlgorithm": "rot13"},
            "INVALID_FIELD",
            "ikeEncryptionAlgorithm",
        ),
        ({"name": "b", "gateway": "not-an-ip"}, "INVALID_FIELD", "gateway"),
        ({"name": "b", "gateway": "1.2.3.4", "vpcId": catalog["network"]}, "INVALID_FIELD", "vpcId"),
        ({"name": "b", "gateway": "1.2.3.4", "espLifetime": None}, "MISSING_FIELD", "espLifetime"),
    ]
    for change, code, field in cases:
        response = await api.http.post(S2S, json={**body, **change})
        assert response.status_code == 400, (change, response.text)
        assert (error_of(response)["errorCode"], error_of(response)["context"]["field"]) == (code, field), (
            change
        )

    reset = await api.succeeded(await api.http.post(f"{S2S}/{vpn['id']}", params={"operation": "reset"}))
    assert reset["state"] == "Connected"
    reset = await api.succeeded(await api.http.put(f"{S2S}/{vpn['id']}", params={"operation": "Reset"}))
    assert reset["state"] == "Connected"
    await api.succeeded(await api.http.delete(f"{S2S}/{vpn['id']}"))
    assert (await api.http.get(f"{S2S}/{vpn['id']}")).status_code == 404
