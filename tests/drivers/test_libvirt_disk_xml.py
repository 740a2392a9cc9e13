"""The pure parts of the libvirt driver's disks: device XML, backup XML, disk changes, disk names."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("libvirt")  # The libvirt driver's package imports libvirt-python.

from cloudca.server.drivers.base import DiskSpec, DriverError
from cloudca.server.drivers.libvirt._volumes import disk_changes, free_target
from cloudca.server.drivers.libvirt._xml import (
    GUEST_AGENT_CHANNEL,
    HOTPLUG_PORTS,
    BootImage,
    DomainConfig,
    DomainDisk,
    DomainInterface,
    backup_xml,
    disk_xml,
    domain_xml,
)


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - XML this module made


def test_a_hot_plugged_disk_is_a_virtio_qcow2_file_with_the_volumes_serial() -> None:
    disk = parse(disk_xml(DomainDisk(path="/state/volumes/v1.qcow2", target="vdc", serial="v1")))

    assert (disk.tag, disk.get("type"), disk.get("device")) == ("disk", "file", "disk")
    assert disk.find("driver").attrib == {"name": "qemu", "type": "qcow2"}
    assert disk.find("source").get("file") == "/state/volumes/v1.qcow2"
    assert disk.find("target").attrib == {"dev": "vdc", "bus": "virtio"}
    assert disk.findtext("serial") == "v1"
    assert disk.find("readonly") is None


def test_a_backup_copies_one_disk_into_the_given_file_and_leaves_the_others_out() -> None:
    backup = parse(backup_xml("vdb", "/state/snapshots/s1.qcow2.part", ("vda", "vdc")))

    assert backup.get("mode") == "push"
    disks = {disk.get("name"): disk for disk in backup.iterfind("disks/disk")}
    assert disks["vdb"].get("backup") == "yes"
    assert disks["vdb"].find("target").get("file") == "/state/snapshots/s1.qcow2.part"
    assert disks["vdb"].find("driver").get("type") == "qcow2"
    assert {name: disk.get("backup") for name, disk in disks.items() if name != "vdb"} == {
        "vda": "no",
        "vdc": "no",
    }


def _config(disks: int, nics: int) -> DomainConfig:
    return DomainConfig(
        name="cloudca-i",
        uuid="6d1f6a52-57a5-4c0e-9f4c-4e8d2b0a9c11",
        title="i",
        virt_type="qemu",
        cpu_count=1,
        memory_mb=512,
        boot=BootImage(),
        disks=tuple(DomainDisk(path=f"/d{index}", target=f"vd{'abc'[index]}") for index in range(disks)),
        interfaces=tuple(DomainInterface(f"02:00:00:00:00:0{index}", "n") for index in range(nics)),
        console_log="/c",
        metadata={},
    )


def test_a_domain_has_the_guest_agent_channel_and_spare_root_ports_for_hot_plugs() -> None:
    devices = parse(domain_xml(_config(disks=3, nics=1))).find("devices")

    channels = [channel.find("target").attrib for channel in devices.iterfind("channel")]
    assert channels == [{"type": "virtio", "name": GUEST_AGENT_CHANNEL}]
    ports = [c for c in devices.iterfind("controller") if c.get("model") == "pcie-root-port"]
    # One per device (3 disks, 1 NIC, the RNG, the serial controller), then the spare ones.
    assert len(ports) == 3 + 1 + 2 + HOTPLUG_PORTS
    assert [port.get("index") for port in ports] == [str(index) for index in range(1, len(ports) + 1)]


def disk(volume_id: str, size_gb: int = 10, *, is_root: bool = False) -> DiskSpec:
    return DiskSpec(volume_id=volume_id, size_gb=size_gb, is_root=is_root)


def test_disk_changes_attach_detach_and_grow_data_volumes_but_never_plug_a_root_disk() -> None:
    old = (disk("root", 8, is_root=True), disk("kept", 10), disk("grown", 10), disk("gone"))
    new = (disk("root", 12, is_root=True), disk("kept", 10), disk("grown", 20), disk("added"))

    changes = disk_changes(old, new)

    assert [d.volume_id for d in changes.attach] == ["added"]
    assert [d.volume_id for d in changes.detach] == ["gone"]
    assert [d.volume_id for d in changes.grow] == ["root", "grown"]
    assert disk_changes(new, new) == disk_changes((), ())


def test_a_hot_plugged_disk_takes_the_first_name_the_running_machine_does_not_use() -> None:
    assert free_target({"vda", "vdb", "vdd"}) == "vdc"
    with pytest.raises(DriverError):
        free_target({f"vd{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"})
