"""The libvirt driver's ACLs and balancers on real packets, without guests (fast, no hypervisor).

A network namespace of the test's own plays the host: a bridge named as the driver names the
network's, with the gateway's address, and the public pool routed to the host. Two more namespaces
play two machines on the bridge (veth pairs), each serving its own name over HTTP (busybox httpd).
The driver's rules go to the host's nftables; the test asks from the host and from a machine.
Real guests behind the same rules are tests/e2e/test_libvirt_network_rules.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward
from tests import libvirt_support

pytestmark = pytest.mark.libvirt

NETWORK, CIDR = "5e1d0c2a-7b3f-4e8d-9a6c-1f2e3d4c5b6a", "10.77.0.0/24"
PUBLIC_IP = "203.0.113.40"
OUTSIDE = "203.0.113.41"  # An address of the host outside the network, serving "outside" on 8081.
MACHINES = {"machine-a": "10.77.0.2", "machine-b": "10.77.0.3"}


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=30)


@dataclass(frozen=True)
class Hosts:
    host: str
    machines: tuple[str, ...]


@pytest.fixture(scope="module")
def hosts() -> Iterator[Hosts]:
    """The host's namespace, its bridge, and two machines serving their names on port 8080."""
    libvirt_support.require_libvirt()
    if shutil.which("busybox") is None:
        pytest.skip("busybox is missing (scripts/deps/libvirt.sh installs busybox-static)")
    from cloudca.server.drivers.libvirt._xml import bridge_name

    bridge = bridge_name(NETWORK)
    servers: list[subprocess.Popen[bytes]] = []
    machines: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="cloudca-filtering-"))
    with contextlib.ExitStack() as stack:
        host = stack.enter_context(libvirt_support.network_namespace("cloudca-fh"))
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        run("ip", "-n", host, "link", "add", bridge, "type", "bridge")
        run("ip", "-n", host, "addr", "add", "10.77.0.1/24", "dev", bridge)
        run("ip", "-n", host, "link", "set", bridge, "up")
        run("ip", "-n", host, "route", "add", "local", "203.0.113.0/24", "dev", "lo")
        for index, (name, address) in enumerate(MACHINES.items()):
            machine = stack.enter_context(libvirt_support.network_namespace(f"cloudca-f{index}"))
            machines.append(machine)
            port = f"cloudca-v{index}"
            run(
                "ip",
                "-n",
                host,
                "link",
                "add",
                port,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                machine,
            )
            run("ip", "-n", host, "link", "set", port, "master", bridge, "up")
            run("ip", "-n", machine, "addr", "add", f"{address}/24", "dev", "eth0")
            run("ip", "-n", machine, "link", "set", "eth0", "up")
            run("ip", "-n", machine, "route", "add", "default", "via", "10.77.0.1")
            (root / name).mkdir()
            (root / name / "index.html").write_text(name)
            command = [
                "ip",
                "netns",
                "exec",
                machine,
                "busybox",
                "httpd",
                "-f",
                "-p",
                "8080",
                "-h",
                str(root / name),
            ]
            servers.append(subprocess.Popen(command))
        (root / "outside").mkdir()
        (root / "outside" / "index.html").write_text("outside")
        command = [
            "ip",
            "netns",
            "exec",
            host,
            "busybox",
            "httpd",
            "-f",
            "-p",
            f"{OUTSIDE}:8081",
            "-h",
            str(root / "outside"),
        ]
        servers.append(subprocess.Popen(command))
        try:
            yield Hosts(host, tuple(machines))
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)


def ask(namespace: str, address: str, port: int) -> str | None:
    """``GET /`` from inside ``namespace``: the body, or ``None`` when nothing answers within 2 s."""
    with libvirt_support.entered_namespace(namespace):
        connection = http.client.HTTPConnection(address, port, timeout=2)
        try:
            connection.request("GET", "/")
            return connection.getresponse().read().decode()
        except OSError:
            return None
        finally:
            connection.close()


def serving(namespace: str, address: str, port: int) -> str | None:
    """As ``ask``, polled for at most 10 s: the httpd of a just-made machine may not listen yet."""
    return libvirt_support.wait_for(lambda: ask(namespace, address, port), 10, f"{address}:{port}")


def acl(number: int, action: str, traffic_type: str, cidr: str, port: int) -> AclRule:
    return AclRule(f"rule-{number}", number, action, "tcp", traffic_type, cidr, port, port)


@pytest.fixture
def host(hosts: Hosts) -> str:
    return hosts.host


@pytest.fixture
def machine_a(hosts: Hosts) -> str:
    return hosts.machines[0]


@pytest.fixture
async def network_driver(host: str) -> AsyncIterator[libvirt_support.LibvirtDriver]:
    """A libvirt driver whose nftables are the host namespace's (its libvirt is never asked here)."""
    from cloudca.server.drivers.libvirt import LibvirtDriver

    driver = LibvirtDriver(
        uri=libvirt_support.TEST_URI,
        zone_name="QC-1",
        state_dir=Path(tempfile.gettempdir()) / "cloudca-filtering-state",
        image_dir=Path(tempfile.gettempdir()),
        nft_command=("ip", "netns", "exec", host, "nft"),
    )
    yield driver
    await driver.close()
    removal = ["ip", "netns", "exec", host, "nft", "delete", "table", "ip", "cloudca"]
    await asyncio.to_thread(subprocess.run, removal, check=False)


async def test_a_deny_rule_blocks_the_port_an_allow_rule_opened_and_its_removal_reopens_it(
    network_driver, host, hosts
) -> None:
    # From outside the network: the host's public address, balanced to machine a alone.
    web = LoadBalancer("web", "tcp", 80, 8080, "roundrobin", ("10.77.0.2",))
    await network_driver.set_load_balancing(PUBLIC_IP, [web])
    assert serving(host, PUBLIC_IP, 80) == "machine-a"  # No filtering yet.
    await network_driver.set_network_acl(NETWORK, CIDR, [])
    assert ask(host, PUBLIC_IP, 80) is None  # What no rule allows does not enter.

    allow = acl(10, "allow", "ingress", "0.0.0.0/0", 8080)
    await network_driver.set_network_acl(NETWORK, CIDR, [allow])
    assert ask(host, PUBLIC_IP, 80) == "machine-a"

    await network_driver.set_network_acl(NETWORK, CIDR, [allow, acl(5, "deny", "ingress", PUBLIC_IP, 8080)])
    assert ask(host, PUBLIC_IP, 80) is None  # The lower number decides.
    assert ask(hosts.machines[1], "10.77.0.2", 8080) == "machine-a"  # Within the network: not filtered.

    await network_driver.set_network_acl(NETWORK, CIDR, None)
    assert ask(host, PUBLIC_IP, 80) == "machine-a"


async def test_egress_rules_see_where_a_machine_goes_and_replies_come_in(
    network_driver, host, machine_a
) -> None:
    allow_http = acl(1, "allow", "ingress", "0.0.0.0/0", 8080)
    await network_driver.set_network_acl(NETWORK, CIDR, [allow_http])
    # Ingress allows no port 8081, yet the reply to the machine's own connection comes in.
    assert serving(machine_a, OUTSIDE, 8081) == "outside"

    deny_out = acl(2, "deny", "egress", "203.0.113.0/24", 8081)
    await network_driver.set_network_acl(NETWORK, CIDR, [allow_http, deny_out])

    assert ask(machine_a, OUTSIDE, 8081) is None
    assert ask(host, "10.77.0.2", 8080) == "machine-a"


async def test_a_balancer_spreads_new_connections_by_its_algorithm(network_driver, host) -> None:
    backends = tuple(MACHINES.values())
    for address in backends:
        serving(host, address, 8080)

    await network_driver.set_load_balancing(
        PUBLIC_IP, [LoadBalancer("web", "tcp", 80, 8080, "roundrobin", backends)]
    )
    assert {ask(host, PUBLIC_IP, 80) for _ in range(4)} == set(MACHINES)

    await network_driver.set_load_balancing(
        PUBLIC_IP, [LoadBalancer("web", "tcp", 80, 8080, "source", backends)]
    )
    assert len({ask(host, PUBLIC_IP, 80) for _ in range(4)}) == 1  # One client, one backend.

    await network_driver.set_load_balancing(
        PUBLIC_IP, [LoadBalancer("web", "tcp", 80, 8080, "roundrobin", ())]
    )
    assert ask(host, PUBLIC_IP, 80) is None
    await network_driver.set_load_balancing(PUBLIC_IP, [])
    assert ask(host, PUBLIC_IP, 80) is None


async def test_one_public_ip_forwards_some_ports_and_balances_others(network_driver, host) -> None:
    forward = PortForward("ssh", "tcp", 8081, 8081, "10.77.0.3", 8080, 8080)
    await network_driver.set_port_forwarding(PUBLIC_IP, [forward])
    await network_driver.set_load_balancing(
        PUBLIC_IP, [LoadBalancer("web", "tcp", 80, 8080, "source", ("10.77.0.2",))]
    )

    assert serving(host, PUBLIC_IP, 8081) == "machine-b"
    assert ask(host, PUBLIC_IP, 80) == "machine-a"

    await network_driver.set_port_forwarding(PUBLIC_IP, [])
    assert ask(host, PUBLIC_IP, 80) == "machine-a"
