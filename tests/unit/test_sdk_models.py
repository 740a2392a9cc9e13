"""What the generated SDK models decide beyond the server's fields (``scripts/generate_sdk_models.py``);
``tests/client/test_models_generated.py`` checks them against the OpenAPI document and a live server."""

from __future__ import annotations

from cloudca.client import _models as sdk


def test_a_representation_reads_into_its_model_and_back() -> None:
    wire = {
        "id": "1b9c6d7e-0000-4000-8000-000000000001",
        "name": "web-1",
        "state": "Running",
        "memoryInMB": 2048,
        "cpuCount": 2,
        "hostDown": True,
        "password": "s3cret-Pass",
        "nics": [{"id": "1b9c6d7e-0000-4000-8000-000000000002", "isDefault": True, "networkId": "n"}],
        "aFieldOfANewerServer": {"kept": True},
    }
    instance = sdk.Instance.model_validate(wire)
    assert (instance.memory_in_mb, instance.host_down, instance.nics[0].is_default) == (2048, True, True)
    assert "s3cret-Pass" not in repr(instance)
    assert instance.to_wire() == wire


def test_timestamps_are_read_as_datetimes_and_written_back_as_the_server_writes_them() -> None:
    wire = {"id": "v", "name": "data", "creationDate": "2026-12-05T16:40:00.123Z"}
    volume = sdk.Volume.model_validate(wire)
    assert volume.creation_date is not None and volume.creation_date.year == 2026
    assert volume.to_wire() == wire


def test_secrets_stay_out_of_repr() -> None:
    key = sdk.ApiKey.model_validate({"id": "k", "name": "ci", "apiKey": "cloudca-secret-key-value"})
    vpn = sdk.SiteToSiteVpn.model_validate({"id": "v", "ipSecPsk": "a-preshared-key"})
    assert key.api_key == "cloudca-secret-key-value" and "cloudca-secret-key-value" not in repr(key)
    assert vpn.ip_sec_psk == "a-preshared-key" and "a-preshared-key" not in repr(vpn)
