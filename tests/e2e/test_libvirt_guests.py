"""Real guests through the public API only: cloudca on libvirt, in a network namespace of the test's own.

The module makes a network namespace, enters it (this thread only), starts its own libvirtd and
``cloudca serve --driver libvirt`` there, with the public pool 203.0.113.0/24 routed to the
namespace's host; guests are the tiny test guest (scripts/guest-image) under TCG or KVM. Nothing
leaves the namespace. Guests are reused across the steps, which run in order; each wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pytest

from cloudca import Client, EnvironmentClient, Instance
from tests import libvirt_support

pytestmark = pytest.mark.libvirt

API_KEY = "libvirt-e2e-key-0123456789abcdef"
PUBLIC_POOL = "203.0.113.0/24"
USER_DATA = "#!/bin/sh\necho made-by-user-data > /tmp/user-data-ran\n"
BOOT_TIMEOUT = 240.0  # A guest boots in ~10-20 s under TCG; a loaded CI machine gets room.


@dataclass
class World:
    env: EnvironmentClient
    libvirtd: libvirt_support.Libvirtd
    state_dir: Path
    key_path: Path
    public_key: str
    instances: dict[str, Instance] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    libvirt_support.require_libvirt()
    with (
        libvirt_support.cloudca_on_libvirt("cloudca-e2e", API_KEY, PUBLIC_POOL) as installation,
        Client(api_url=installation.server.url, api_key=API_KEY) as client,
    ):
        yield World(
            env=client.environment("compute-qc", "prod"),
            libvirtd=installation.libvirtd,
            state_dir=installation.state_dir,
            key_path=installation.key_path,
            public_key=installation.key_path.with_suffix(".pub").read_text().strip(),
        )


def ssh(world: World, address: str, command: str, port: int = 22, timeout: float = BOOT_TIMEOUT) -> str:
    """Run ``command`` in the guest as its default user with the instance's key; retried until the
    guest answers, for at most ``timeout`` seconds."""

    async def attempt() -> str:
        async with asyncssh.connect(
            address,
            port=port,
            username="cca-user",
            client_keys=[str(world.key_path)],
            known_hosts=None,
            connect_timeout=5,
        ) as connection:
            result = await connection.run(command, check=True, timeout=120)
            return str(result.stdout)

    deadline = time.monotonic() + timeout
    while True:
        try:
            return asyncio.run(attempt())
        except (OSError, asyncssh.ConnectionLost, TimeoutError):  # Not up yet; a refusal is final.
            if time.monotonic() > deadline:
                print(_diagnostics(world))
                raise
            time.sleep(1)  # The guest is still booting: polled, with a deadline.


def _diagnostics(world: World) -> str:
    """The guests' serial consoles and the networks' leases: what a failed wait needs to be understood."""
    parts = []
    for log in sorted((world.state_dir / "machines").glob("*/console.log")):
        parts.append(f"--- console of {log.parent.name}\n{log.read_text(errors='replace')[-4000:]}")
    for status in sorted(Path("/var/lib/libvirt/dnsmasq").glob("cca*.status")):
        parts.append(f"--- {status.name}\n{status.read_text(errors='replace')}")
    return "\n".join(parts)


def _offering(world: World, name: str) -> str:
    return next(offering.id for offering in world.env.compute_offerings.list() if offering.name == name)


def _create(world: World, name: str, **options: object) -> Instance:
    template = next(template for template in world.env.templates.list() if template.name == "Debian 12")
    network = world.env.networks.list()[0]
    return world.env.instances.create(
        name=name,
        template_id=template.id,
        compute_offering_id=_offering(world, "1vCPU.512MB"),
        network_id=network.id,
        wait=True,
        timeout=BOOT_TIMEOUT,
        **options,
    )


def _forwarded_address(world: World, instance: Instance) -> str:
    rules = [rule for rule in world.env.port_forwarding_rules.list() if rule.instance_id == instance.id]
    assert rules, "portsToForward made no rule"
    assert rules[0].ip_address
    return rules[0].ip_address


def test_an_instance_with_a_key_user_data_and_forwarded_ssh_answers_on_its_public_ip(world: World) -> None:
    world.env.ssh_keys.create("e2e-key", world.public_key, wait=True)

    first = _create(world, "guest-one", ssh_key_name="e2e-key", user_data=USER_DATA, ports_to_forward=["22"])
    world.instances["first"] = first

    assert first.state == "Running"
    output = ssh(world, _forwarded_address(world, first), "hostname; cat /tmp/user-data-ran; ip -4 -o addr")
    hostname, marker, *addresses = output.splitlines()
    assert hostname == (first.hostname or first.name)
    assert marker == "made-by-user-data"
    assert any(f" {first.ip_address}/" in line for line in addresses), "DHCP gave the API's address"


def test_two_instances_on_one_network_reach_each_other(world: World) -> None:
    first = world.instances["first"]
    second = _create(world, "guest-two", ssh_key_name="e2e-key")
    world.instances["second"] = second

    # From the first guest (reached through its public IP), ping the second's private address.
    output = ssh(
        world,
        _forwarded_address(world, first),
        # The second guest's SSH banner over TCP (ping needs root in the guest; busybox nc has no -z).
        f"for i in $(seq 30); do banner=$(timeout 2 nc {second.ip_address} 22 </dev/null | head -c 7); "
        '[ "$banner" = SSH-2.0 ] && echo reached && exit 0; sleep 1; done; '
        "echo unreachable; ip -4 -o addr; ip route; cat /proc/net/arp",
    )
    assert output.strip() == "reached", f"{output}\n{_diagnostics(world)}"


#: What answers outside: a host in a namespace of the test's own, behind a veth from the server's.
OUTSIDE_HOST, OUTSIDE_GATEWAY = "198.51.100.2", "198.51.100.1"
#: Answers each connection with the address it came from, then closes it.
ECHO_PEER = (
    "import socket\n"
    "server = socket.create_server(('0.0.0.0', 7777))\n"
    "while True:\n"
    "    connection, peer = server.accept()\n"
    "    connection.sendall(peer[0].encode() + b'\\n')\n"
    "    connection.close()\n"
)


@contextlib.contextmanager
def _outside() -> Iterator[None]:
    """A host beyond the server's interfaces that echoes the source address it sees."""
    with libvirt_support.network_namespace("cloudca-e2e-out") as outside:
        commands = [
            ["ip", "link", "add", "e2eout0", "type", "veth", "peer", "name", "eth0", "netns", outside],
            ["ip", "addr", "add", f"{OUTSIDE_GATEWAY}/24", "dev", "e2eout0"],
            ["ip", "link", "set", "e2eout0", "up"],
            ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
            ["ip", "netns", "exec", outside, "ip", "addr", "add", f"{OUTSIDE_HOST}/24", "dev", "eth0"],
            ["ip", "netns", "exec", outside, "ip", "link", "set", "eth0", "up"],
            ["ip", "netns", "exec", outside, "ip", "route", "add", PUBLIC_POOL, "via", OUTSIDE_GATEWAY],
        ]
        for command in commands:
            subprocess.run(command, check=True)
        server = subprocess.Popen(["ip", "netns", "exec", outside, "python3", "-c", ECHO_PEER])
        try:
            yield
        finally:
            server.kill()
            server.wait(timeout=30)
            subprocess.run(["ip", "link", "delete", "e2eout0"], capture_output=True, check=False)


def test_static_nat_sends_a_public_ip_to_the_guest_and_its_traffic_out_from_it(world: World) -> None:
    second = world.instances["second"]
    assert second.vpc_id and second.ip_address_id
    public_ip = world.env.public_ips.acquire(second.vpc_id, wait=True, timeout=BOOT_TIMEOUT)
    world.env.public_ips.enable_static_nat(
        public_ip.id, second.ip_address_id, wait=True, timeout=BOOT_TIMEOUT
    )
    address = public_ip.ip_address
    assert address

    with _outside():
        # Port 22 of the static NAT address, with no forwarding rule on it; then out from the guest.
        output = ssh(
            world,
            address,
            "hostname; for i in $(seq 20); do seen=$(timeout 3 nc "
            f'{OUTSIDE_HOST} 7777 </dev/null); [ -n "$seen" ] && echo "$seen" && exit 0; '
            "sleep 1; done; echo nothing-answered",
        )
    hostname, seen = output.split()
    assert hostname == (second.hostname or second.name)
    assert seen == address, "the guest's traffic leaves from its static NAT address"

    world.env.public_ips.disable_static_nat(public_ip.id, wait=True, timeout=BOOT_TIMEOUT)
    with pytest.raises(OSError):
        ssh(world, address, "true", timeout=5)  # Nothing answers the address any more.


def test_stop_start_reboot_and_a_new_compute_offering_reach_the_guest(world: World) -> None:
    first = world.instances["first"]
    address = _forwarded_address(world, first)
    boot_id = ssh(world, address, "cat /proc/sys/kernel/random/boot_id").strip()

    assert world.env.instances.stop(first.id, wait=True, timeout=BOOT_TIMEOUT).state == "Stopped"
    changed = world.env.instances.change_compute_offering(
        first.id, _offering(world, "2vCPU.4GB"), wait=True, timeout=BOOT_TIMEOUT
    )
    assert changed.cpu_count == 2
    assert world.env.instances.start(first.id, wait=True, timeout=BOOT_TIMEOUT).state == "Running"

    cpus, memory_kb, new_boot_id = ssh(
        world,
        address,
        "nproc; awk '/MemTotal/ {print $2}' /proc/meminfo; cat /proc/sys/kernel/random/boot_id",
    ).split()
    assert int(cpus) == 2
    assert int(memory_kb) > 3 * 1024 * 1024  # 4 GB, less what the kernel keeps for itself.
    assert new_boot_id != boot_id

    world.env.instances.reboot(first.id, wait=True, timeout=BOOT_TIMEOUT)
    assert ssh(world, address, "cat /proc/sys/kernel/random/boot_id").strip() != new_boot_id


def test_destroy_and_purge_leave_no_domain_disk_lease_or_rule(world: World) -> None:
    import libvirt

    for instance in world.instances.values():
        world.env.instances.destroy(instance.id, purge_immediately=True, wait=True, timeout=BOOT_TIMEOUT)

    connection = libvirt.open(world.libvirtd.uri)
    try:
        assert [
            domain.name() for domain in connection.listAllDomains(0) if domain.name().startswith("cloudca-")
        ] == []
        leases = [
            network.XMLDesc(0).count("<host ")
            for network in connection.listAllNetworks(0)
            if network.name().startswith("cloudca-")
        ]
        assert sum(leases) == 0
    finally:
        connection.close()
    assert list((world.state_dir / "machines").iterdir()) == []
    from cloudca.server.drivers.libvirt._firewall import read_forwards
    from cloudca.server.drivers.libvirt._static_nat import read_static_nat

    listing = subprocess.run(
        ["nft", "-j", "list", "table", "ip", "cloudca"], capture_output=True, text=True, check=True
    )
    table = json.loads(listing.stdout)["nftables"]
    # No forward and no static NAT is left (the base chains and their lookups stay).
    assert (read_forwards(table), read_static_nat(table)) == ({}, {})


def test_a_new_instance_on_a_purged_instances_address_gets_it_by_dhcp(world: World) -> None:
    """cloudca's IPAM gives the first free address again; dnsmasq must not keep it for the purged
    instance's MAC (its lease is released with the NIC), or the new guest gets no address."""
    purged = {instance.ip_address for instance in world.instances.values()}
    assert purged, "the earlier tests made instances"

    again = _create(world, "guest-again", ssh_key_name="e2e-key", ports_to_forward=["22"])
    try:
        assert again.ip_address in purged
        output = ssh(world, _forwarded_address(world, again), "ip -4 -o addr")
        assert f" {again.ip_address}/" in output, "DHCP gave the API's address"
    finally:
        world.env.instances.destroy(again.id, purge_immediately=True, wait=True, timeout=BOOT_TIMEOUT)
