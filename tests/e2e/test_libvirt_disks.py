"""Disks, snapshots and passwords of real guests, through the public API only (issue 11, items 1-3).

The same world as tests/e2e/test_libvirt_guests.py (its fixture: a network namespace of the
module's own, its own libvirtd and ``cloudca serve --driver libvirt``); two test guests, reached
over SSH on their private addresses from inside the namespace. The steps run in order and share
the guests and the volume; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import asyncssh
import pytest

from cloudca import Instance, Volume
from tests.e2e import test_libvirt_guests as guests
from tests.e2e.test_libvirt_guests import BOOT_TIMEOUT, World, _create

pytestmark = pytest.mark.libvirt
#: The guests' world of test_libvirt_guests.py, made once more for this module (module scope).
world = guests.world

DISK_TIMEOUT = 120.0  # A hot-plug or an unplug takes seconds (PCIe hotplug waits 5 s for the guest).
MOUNT = "/mnt/volume"


@dataclass
class Disks:
    instances: dict[str, Instance] = field(default_factory=dict)
    volume: Volume | None = None
    snapshot_id: str = ""


_disks = Disks()


def run(world: World, address: str, command: str, *, user: str = "root", password: str | None = None) -> str:
    """``command`` in the guest over SSH (the instance's key, or ``password``), retried while the
    guest is not up yet, for at most ``BOOT_TIMEOUT`` seconds."""

    async def attempt() -> str:
        async with asyncssh.connect(
            address,
            username=user,
            client_keys=None if password else [str(world.key_path)],
            password=password,
            known_hosts=None,
            connect_timeout=5,
        ) as connection:
            result = await connection.run(command, check=True, timeout=60)
            return str(result.stdout)

    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:
        try:
            return asyncio.run(attempt())
        except (OSError, asyncssh.ConnectionLost, TimeoutError):  # Not up yet; a refusal is final.
            if time.monotonic() > deadline:
                raise
            time.sleep(1)  # The guest is still booting: polled, with a deadline.


def device_of(world: World, instance: Instance, volume_id: str, *, present: bool = True) -> str:
    """The guest's block device whose serial is the volume's (cloudca sets it), once it appears (or
    ``""`` once it is gone, with ``present=False``)."""
    serial = volume_id[:20]
    find = f'for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = {serial} ] && basename $d; done'
    find += "; true"
    deadline = time.monotonic() + DISK_TIMEOUT
    while True:
        device = run(world, instance.ip_address or "", find).strip()
        if bool(device) == present:
            return device
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"volume {volume_id} {'never appeared in' if present else 'stayed in'} the guest"
            )
        time.sleep(1)  # The guest's kernel is handling the hot-plug: polled, with a deadline.


def _disk_offering(world: World) -> str:
    return next(offering.id for offering in world.env.disk_offerings.list() if not offering.custom_size)


def test_a_data_volume_keeps_its_file_across_detach_and_attach_to_another_instance(world: World) -> None:
    world.env.ssh_keys.create("disks-key", world.public_key, wait=True)
    one = _create(world, "disk-one", ssh_key_name="disks-key", root_volume_size_in_gb=10)
    two = _create(world, "disk-two", ssh_key_name="disks-key")
    _disks.instances.update(one=one, two=two)
    root = next(
        volume for volume in world.env.volumes.list() if volume.instance_id == one.id and volume.type == "os"
    )
    root_device = device_of(world, one, root.id)
    sectors = run(world, one.ip_address or "", f"cat /sys/block/{root_device}/size")
    assert int(sectors) * 512 == 10 * 1024**3, "rootVolumeSizeInGb made the guest's root disk"

    volume = world.env.volumes.create(
        "data-one", _disk_offering(world), one.id, wait=True, timeout=DISK_TIMEOUT
    )
    _disks.volume = volume
    device = device_of(world, one, volume.id)  # Hot-plugged: no reboot.
    run(
        world,
        one.ip_address or "",
        f"mke2fs -q /dev/{device} && mkdir -p {MOUNT} && mount /dev/{device} {MOUNT} && "
        f"echo written-on-disk-one > {MOUNT}/note && umount {MOUNT} && sync",
    )
    world.env.volumes.detach(volume.id, wait=True, timeout=DISK_TIMEOUT)
    assert device_of(world, one, volume.id, present=False) == ""

    world.env.volumes.attach(volume.id, two.id, wait=True, timeout=DISK_TIMEOUT)
    device = device_of(world, two, volume.id)
    note = run(
        world, two.ip_address or "", f"mkdir -p {MOUNT} && mount /dev/{device} {MOUNT} && cat {MOUNT}/note"
    )
    assert note.strip() == "written-on-disk-one"


def test_a_snapshot_taken_while_the_guest_runs_brings_the_old_content_back(world: World) -> None:
    two, volume = _disks.instances["two"], _disks.volume
    assert volume is not None
    address = two.ip_address or ""

    snapshot = world.env.volumes.snapshot(volume.id, name="before-overwrite", wait=True, timeout=DISK_TIMEOUT)
    _disks.snapshot_id = snapshot.id
    listed = [item for item in world.env.snapshots.list() if item.id == snapshot.id]
    assert listed and listed[0].volume_id == volume.id
    assert (listed[0].size_in_bytes or 0) > 0, "the snapshot is a real copy with a size"

    run(world, address, f"echo overwritten > {MOUNT}/note && umount {MOUNT} && sync")
    world.env.volumes.detach(volume.id, wait=True, timeout=DISK_TIMEOUT)
    world.env.snapshots.revert(snapshot.id, wait=True, timeout=DISK_TIMEOUT)
    world.env.volumes.attach(volume.id, two.id, wait=True, timeout=DISK_TIMEOUT)

    device = device_of(world, two, volume.id)
    note = run(world, address, f"mount /dev/{device} {MOUNT} && cat {MOUNT}/note && umount {MOUNT}")
    assert note.strip() == "written-on-disk-one"


def test_a_password_reset_reaches_the_running_guest_at_once(world: World) -> None:
    one = _disks.instances["one"]

    reset = world.env.instances.reset_password(one.id, wait=True, timeout=DISK_TIMEOUT)

    assert reset.password and reset.password_applied == "now"
    whoami = run(world, one.ip_address or "", "id -un", user="cca-user", password=reset.password)
    assert whoami.strip() == "cca-user"


def test_a_stop_asks_the_guest_agent_first(world: World) -> None:
    one = _disks.instances["one"]

    stopped = world.env.instances.stop(one.id, wait=True, timeout=BOOT_TIMEOUT)

    assert stopped.state == "Stopped"
    # The test guest's /sbin/shutdown (what qemu-ga's guest-shutdown runs) says so on its console.
    console = (world.state_dir / "machines" / one.id / "console.log").read_text(errors="replace")
    assert "shutdown through the guest agent" in console


def test_destroy_with_its_snapshots_and_volumes_leaves_no_file(world: World) -> None:
    one, two, volume = _disks.instances["one"], _disks.instances["two"], _disks.volume
    assert volume is not None

    world.env.instances.destroy(
        two.id,
        purge_immediately=True,
        delete_snapshots=True,
        volume_ids_to_delete=[volume.id],
        wait=True,
        timeout=BOOT_TIMEOUT,
    )
    world.env.instances.destroy(one.id, purge_immediately=True, wait=True, timeout=BOOT_TIMEOUT)

    assert [item.id for item in world.env.snapshots.list()] == []
    assert list((world.state_dir / "volumes").iterdir()) == []
    assert list((world.state_dir / "snapshots").iterdir()) == []
