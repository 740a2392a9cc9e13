"""The libvirt XML that cloudca hands to libvirt, compared with checked-in golden files.

The builders in ``drivers/libvirt/_xml.py`` are pure, so a change to what a guest or a network gets
shows here as a diff of ``golden/libvirt/*.xml`` (the way virt-manager tests its XML). After an
intended change, regenerate the files with ``CLOUDCA_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

pytest.importorskip("libvirt")  # The libvirt driver's package imports libvirt-python.

from cloudca.server.drivers.libvirt._xml import (
    BootImage,
    DhcpHost,
    DomainConfig,
    DomainDisk,
    DomainInterface,
    NetworkConfig,
    backup_xml,
    disk_xml,
    domain_xml,
    network_xml,
)

GOLDEN = Path(__file__).with_name("golden") / "libvirt"
KERNEL = BootImage(
    kernel="/images/tiny/vmlinuz",
    initrd="/images/tiny/initrd.img",
    cmdline="console=ttyS0 root=/dev/vda",
)


def _domain(**changes: object) -> DomainConfig:
    config: dict[str, object] = {
        "name": "cloudca-0b7e3a1c-2f4d-4c55-9a0e-6c1d2e3f4a5b",
        "uuid": "0b7e3a1c-2f4d-4c55-9a0e-6c1d2e3f4a5b",
        "title": "web-1",
        "virt_type": "qemu",
        "cpu_count": 1,
        "memory_mb": 256,
        "boot": BootImage(),
        "disks": (DomainDisk(path="/state/disks/root.qcow2", target="vda"),),
        "interfaces": (DomainInterface(mac_address="52:54:00:0a:0b:0c", network_name="cloudca-net-1"),),
        "console_log": "/state/consoles/web-1.log",
        "metadata": {"instanceId": "0b7e3a1c-2f4d-4c55-9a0e-6c1d2e3f4a5b", "hostname": "web-1"},
    }
    config.update(changes)
    return DomainConfig(**config)  # type: ignore[arg-type]


CASES: dict[str, str] = {
    # The smallest machine: one root disk booted by its own loader, one NIC, TCG with its cache bound.
    "domain-minimal": domain_xml(_domain()),
    # The test guest: kernel and initramfs given to QEMU; the seed ISO read-only; a data disk.
    "domain-kernel-seed-data-disk": domain_xml(
        _domain(
            boot=KERNEL,
            cpu_count=2,
            memory_mb=1024,
            disks=(
                DomainDisk(path="/state/disks/root.qcow2", target="vda"),
                DomainDisk(path="/state/seeds/web-1.iso", target="vdb", format="raw", read_only=True),
                DomainDisk(path="/state/volumes/v1.qcow2", target="vdc", serial="v1"),
            ),
            interfaces=(
                DomainInterface(mac_address="52:54:00:0a:0b:0c", network_name="cloudca-net-1"),
                DomainInterface(mac_address="52:54:00:0a:0b:0d", network_name="cloudca-net-2"),
            ),
        )
    ),
    # Hardware virtualisation: the host's CPU passed through, no TCG cache.
    "domain-kvm": domain_xml(_domain(virt_type="kvm")),
    # TCG with QEMU's own translation cache size.
    "domain-qemu-default-tb-cache": domain_xml(_domain(tb_cache_mb=0)),
    "disk-hotplug": disk_xml(DomainDisk(path="/state/volumes/v2.qcow2", target="vdd", serial="v2")),
    "backup-one-disk": backup_xml("vdc", "/state/snapshots/s1.qcow2.part", ("vda", "vdb")),
    "network-with-leases": network_xml(
        NetworkConfig(
            network_id="3f2a9c1e-7b6d-4e5f-8a9b-0c1d2e3f4a5b",
            cidr="10.169.1.0/24",
            gateway="10.169.1.1",
            hosts=(
                DhcpHost(mac_address="52:54:00:0a:0b:0c", ip_address="10.169.1.10"),
                DhcpHost(mac_address="52:54:00:0a:0b:0d", ip_address="10.169.1.11"),
            ),
        )
    ),
    "network-empty": network_xml(
        NetworkConfig(
            network_id="9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b", cidr="10.0.0.0/16", gateway="10.0.0.1"
        )
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_xml_equals_its_golden_file(name: str) -> None:
    path = GOLDEN / f"{name}.xml"
    built = CASES[name]
    if os.environ.get("CLOUDCA_UPDATE_GOLDEN") == "1":
        path.write_text(built)
    assert path.exists(), f"missing golden {path.name}: run with CLOUDCA_UPDATE_GOLDEN=1"
    expected = path.read_text()
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            built.splitlines(keepends=True),
            fromfile=f"golden/libvirt/{path.name}",
            tofile="built",
        )
    )
    assert built == expected, f"the XML differs from its golden file:\n{diff}"


def test_every_golden_file_has_a_case() -> None:
    """A golden file whose case went away would silently stop guarding anything."""
    assert {path.stem for path in GOLDEN.glob("*.xml")} == set(CASES)
