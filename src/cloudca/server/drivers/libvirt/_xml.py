"""libvirt XML, built by pure functions from frozen descriptions.

Nothing here talks to libvirt or touches files: a reader sees exactly what a guest or a network
gets, and a change to it shows as a diff of the golden files (tests/drivers/test_libvirt_xml_golden.py).
"""

from __future__ import annotations

import ipaddress
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

#: The namespace of cloudca's own record inside a domain's <metadata>.
METADATA_NAMESPACE = "https://cloudca.dev/xmlns/libvirt/machine/1"
METADATA_KEY = "cloudca"
#: Names of what cloudca defines in libvirt start with this, so that it never touches anything else.
PREFIX = "cloudca-"
#: The virtio serial port qemu-guest-agent listens on (its well-known name).
GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0"
#: Free PCIe root ports for disks attached to a running machine: on q35 a device can only be
#: hot-plugged into an empty root port, and libvirt adds only as many as the defined devices use.
HOTPLUG_PORTS = 4
#: PCIe devices of a machine besides its disks and NICs: the RNG and the virtio serial controller.
_OTHER_PCIE_DEVICES = 2


@dataclass(frozen=True)
class BootImage:
    """How a machine boots: a kernel and initramfs given to the hypervisor, or the root disk's loader."""

    kernel: str = ""
    initrd: str = ""
    cmdline: str = ""


@dataclass(frozen=True)
class DomainDisk:
    path: str
    target: str
    format: str = "qcow2"
    read_only: bool = False
    serial: str = ""


@dataclass(frozen=True)
class DomainInterface:
    mac_address: str
    network_name: str


@dataclass(frozen=True)
class DomainConfig:
    """Everything a domain definition holds; ``metadata`` is cloudca's record, kept as JSON."""

    name: str
    uuid: str
    title: str
    virt_type: str  # "kvm" or "qemu" (TCG)
    cpu_count: int
    memory_mb: int
    boot: BootImage
    disks: tuple[DomainDisk, ...]
    interfaces: tuple[DomainInterface, ...]
    console_log: str
    metadata: dict[str, object]
    #: TCG's translation cache (MiB); bounds QEMU's memory under emulation. 0: QEMU's default.
    tb_cache_mb: int = 64


def domain_name(instance_id: str) -> str:
    return f"{PREFIX}{instance_id}"


def network_name(network_id: str) -> str:
    return f"{PREFIX}{network_id}"


def bridge_name(network_id: str) -> str:
    """Linux limits interface names to 15 characters; ``cca`` + 10 characters of the id is unique enough
    for the ids cloudca makes (UUIDs), and a collision fails the network's definition loudly."""
    return "cca" + network_id.replace("-", "")[:10]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _render(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def _disk(parent: ET.Element, disk: DomainDisk) -> ET.Element:
    element = _sub(parent, "disk", type="file", device="disk")
    _sub(element, "driver", name="qemu", type=disk.format)
    _sub(element, "source", file=disk.path)
    _sub(element, "target", dev=disk.target, bus="virtio")
    if disk.serial:
        _sub(element, "serial", disk.serial)
    if disk.read_only:
        _sub(element, "readonly")
    return element


def disk_xml(disk: DomainDisk) -> str:
    """One disk as a device of its own: what a live attach hands to libvirt."""
    return _render(_disk(ET.Element("devices"), disk))


def backup_xml(target: str, backup_path: str, others: tuple[str, ...]) -> str:
    """A push backup of the disk ``target`` into the (existing) qcow2 file ``backup_path``; the
    ``others`` targets are left out. QEMU copies what the disk holds at the job's start."""
    root = ET.Element("domainbackup", mode="push")
    disks = _sub(root, "disks")
    disk = _sub(disks, "disk", name=target, backup="yes", type="file")
    _sub(disk, "target", file=backup_path)
    _sub(disk, "driver", type="qcow2")
    for other in others:
        _sub(disks, "disk", name=other, backup="no")
    return _render(root)


def domain_xml(config: DomainConfig) -> str:
    """The domain definition of one machine."""
    domain = ET.Element("domain", {"type": config.virt_type})
    _sub(domain, "name", config.name)
    _sub(domain, "uuid", config.uuid)
    _sub(domain, "title", config.title)
    metadata = _sub(domain, "metadata")
    record = ET.SubElement(metadata, f"{{{METADATA_NAMESPACE}}}machine")
    record.text = json.dumps(config.metadata, sort_keys=True)
    _sub(domain, "memory", str(config.memory_mb), unit="MiB")
    _sub(domain, "currentMemory", str(config.memory_mb), unit="MiB")
    _sub(domain, "vcpu", str(config.cpu_count), placement="static")
    os_element = _sub(domain, "os")
    _sub(os_element, "type", "hvm", arch="x86_64", machine="q35")
    if config.boot.kernel:
        _sub(os_element, "kernel", config.boot.kernel)
        if config.boot.initrd:
            _sub(os_element, "initrd", config.boot.initrd)
        _sub(os_element, "cmdline", config.boot.cmdline)
    else:
        _sub(os_element, "boot", dev="hd")
    features = _sub(domain, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    if config.virt_type == "qemu" and config.tb_cache_mb > 0:
        tcg = _sub(features, "tcg")
        _sub(tcg, "tb-cache", str(config.tb_cache_mb), unit="MiB")
    if config.virt_type == "kvm":
        _sub(domain, "cpu", mode="host-passthrough")
    # A guest that powers off or crashes is stopped; cloudca's reboot is a stop and a start.
    _sub(domain, "on_poweroff", "destroy")
    _sub(domain, "on_reboot", "restart")
    _sub(domain, "on_crash", "destroy")
    devices = _sub(domain, "devices")
    for disk in config.disks:
        _disk(devices, disk)
    for interface in config.interfaces:
        element = _sub(devices, "interface", type="network")
        _sub(element, "mac", address=interface.mac_address)
        _sub(element, "source", network=interface.network_name)
        _sub(element, "model", type="virtio")
    serial = _sub(devices, "serial", type="pty")
    _sub(serial, "log", file=config.console_log, append="off")
    console = _sub(devices, "console", type="pty")
    _sub(console, "target", type="serial")
    agent = _sub(devices, "channel", type="unix")
    _sub(agent, "target", type="virtio", name=GUEST_AGENT_CHANNEL)
    # One root port per device, and HOTPLUG_PORTS more: libvirt fills explicit ports first.
    ports = len(config.disks) + len(config.interfaces) + _OTHER_PCIE_DEVICES + HOTPLUG_PORTS
    for index in range(1, ports + 1):
        _sub(devices, "controller", type="pci", index=str(index), model="pcie-root-port")
    rng = _sub(devices, "rng", model="virtio")
    _sub(rng, "backend", "/dev/urandom", model="random")
    _sub(devices, "memballoon", model="none")
    return _render(domain)


@dataclass(frozen=True)
class DhcpHost:
    """A static lease. No host name: libvirt refuses two leases with one name, and a machine's NICs
    (or its old and new NIC during a change) share its hostname."""

    mac_address: str
    ip_address: str


@dataclass(frozen=True)
class NetworkConfig:
    """A cloudca network as libvirt sees it: a NAT bridge whose address is the gateway."""

    network_id: str
    cidr: str
    gateway: str
    hosts: tuple[DhcpHost, ...] = ()


def dhcp_host_xml(host: DhcpHost) -> str:
    """One static lease: the address the control plane gave this MAC."""
    return ET.tostring(
        ET.Element("host", {"mac": host.mac_address, "ip": host.ip_address}),
        encoding="unicode",
    )


def network_xml(config: NetworkConfig) -> str:
    """The libvirt network of a cloudca network: a routed bridge, DHCP with static leases only."""
    network = ipaddress.ip_network(config.cidr, strict=False)
    root = ET.Element("network")
    _sub(root, "name", network_name(config.network_id))
    # "open": libvirt adds no firewall rules; cloudca's nftables table owns NAT (see _firewall.py).
    _sub(root, "forward", mode="open")
    _sub(root, "bridge", name=bridge_name(config.network_id), stp="off", delay="0")
    ip = _sub(root, "ip", address=config.gateway, netmask=str(network.netmask))
    dhcp = _sub(ip, "dhcp")
    for host in config.hosts:
        _sub(dhcp, "host", mac=host.mac_address, ip=host.ip_address)
    return _render(root)
