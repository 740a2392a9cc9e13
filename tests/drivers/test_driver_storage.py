"""The storage part of the driver contract (``set_volume`` ... ``delete_snapshot``), for every driver.

The libvirt driver runs here over libvirt's test URI: detached volumes and machines that do not
really run, so these tests see the files' side (qemu-img); hot-plug and QEMU's backup job need a
real guest (tests/e2e/test_libvirt_disks.py).
"""

from __future__ import annotations

import pytest

from cloudca.server.drivers.base import DriverError, PasswordApplied


async def test_a_snapshot_of_a_detached_volume_has_a_size_and_survives_the_volume(driver, specs):
    volume = specs.disk()
    await driver.set_volume(volume.volume_id, 1)

    size = await driver.snapshot_volume(volume.volume_id, "snapshot-1")
    await driver.delete_volume(volume.volume_id)

    assert size >= 0
    assert await driver.snapshot_volume(volume.volume_id, "snapshot-1") == size  # A retry: same copy.
    await driver.delete_snapshot("snapshot-1")
    await driver.delete_snapshot("snapshot-1")  # Deleting a missing one succeeds.


async def test_a_detached_volume_reverts_to_its_snapshot_and_keeps_a_later_size(driver, specs):
    volume = specs.disk()
    await driver.set_volume(volume.volume_id, 1)
    await driver.snapshot_volume(volume.volume_id, "snapshot-2")
    await driver.set_volume(volume.volume_id, 2)

    await driver.revert_volume(volume.volume_id, "snapshot-2")

    await driver.set_volume(volume.volume_id, 1)  # Never shrinks: still fine after the revert.
    await driver.delete_volume(volume.volume_id)
    await driver.delete_volume(volume.volume_id)  # Deleting a missing one succeeds.


async def test_a_revert_is_refused_while_a_running_machine_uses_the_volume(driver, specs, host):
    data = specs.disk()
    spec = specs.machine(host, disks=(specs.disk(is_root=True), data))
    await driver.create(spec)
    await driver.snapshot_volume(data.volume_id, "snapshot-3")
    await driver.start(spec.instance_id)

    with pytest.raises(DriverError):
        await driver.revert_volume(data.volume_id, "snapshot-3")

    await driver.stop(spec.instance_id)
    await driver.revert_volume(data.volume_id, "snapshot-3")


async def test_an_attached_volume_is_neither_deleted_nor_resized_as_a_detached_one(driver, specs, host):
    data = specs.disk()
    spec = specs.machine(host, disks=(specs.disk(is_root=True), data))
    await driver.create(spec)

    with pytest.raises(DriverError):
        await driver.delete_volume(data.volume_id)
    with pytest.raises(DriverError):
        await driver.set_volume(data.volume_id, data.size_gb + 1)


async def test_set_password_says_when_the_guest_gets_it(driver, specs, host):
    spec = specs.machine(host)
    await driver.create(spec)

    applied = await driver.set_password(spec.instance_id, spec.username, "third-Password-3")

    assert isinstance(applied, PasswordApplied)
    if not driver.capabilities.real_guests:
        assert applied is PasswordApplied.NOW
    else:  # A stopped machine has no agent to answer: the seed carries it to the next boot.
        assert applied is PasswordApplied.NEXT_BOOT
