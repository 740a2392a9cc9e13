"""The libvirt driver's source NAT and its rules coming back after the table is lost, on real packets
(no guests, no hypervisor: the namespaces and veth "machines" of test_libvirt_filtering_traffic.py).

- hairpin: a machine reaching a public IP whose forward, balancer or static NAT leads back into its own
  network (to another machine, or to itself) gets its answer;
- outbound: what a machine sends beyond the host leaves as the host's address (a NAT network), so
  that a peer with no route to the network answers it;
- restore: after ``nft flush ruleset`` (what a host reboot leaves), pushing the same state again
  (what a start does, networking/restore.py) makes traffic flow again, and pushing it while the
  kernel already has it rewrites nothing (the rules keep their handles).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudca.server.drivers.rules import LoadBalancer, PortForward
from tests import libvirt_support
from tests.drivers.test_libvirt_filtering_traffic import (
    CIDR,
    NETWORK,
    PUBLIC_IP,
    acl,
    ask,
    host,
    hosts,
    machine_a,
    network_driver,
    run,
    serving,
)

pytestmark = pytest.mark.libvirt
__all__ = ["host", "hosts", "machine_a", "network_driver"]  # Fixtures, used by name.

UPLINK, PEER = "198.51.100.1", "198.51.100.2"  # The host's uplink and a peer beyond it.
MACHINE_B = "10.77.0.3"


@pytest.fixture(scope="module", autouse=True)
def routing(hosts: Any) -> None:
    """The host routes between its interfaces, as libvirt makes it when it starts a network."""
    run("ip", "netns", "exec", hosts.host, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")


BRIDGE_NETFILTER = "net.bridge.bridge-nf-call-iptables"


@pytest.fixture(params=["routed", "bridged"])
def bridge_netfilter(request: pytest.FixtureRequest, hosts: Any) -> Iterator[str]:
    """Where br_netfilter is loaded (this machine), a DNAT'd packet whose backend is on the bridge
    it came from is bridged to it, not routed: both paths must work. The setting is the test
    namespace's own."""
    read = ["ip", "netns", "exec", hosts.host, "sysctl", "-n", BRIDGE_NETFILTER]
    found = subprocess.run(read, capture_output=True, text=True, check=False)
    if found.returncode != 0:
        if request.param == "bridged":
            pytest.skip("br_netfilter is not loaded here: there is no bridged path")
        yield request.param
        return
    value = "1" if request.param == "bridged" else "0"
    run("ip", "netns", "exec", hosts.host, "sysctl", "-q", "-w", f"{BRIDGE_NETFILTER}={value}")
    try:
        yield request.param
    finally:
        run(
            "ip",
            "netns",
            "exec",
            hosts.host,
            "sysctl",
            "-q",
            "-w",
            f"{BRIDGE_NETFILTER}={found.stdout.strip()}",
        )


@pytest.fixture(scope="module")
def peer(hosts: Any) -> Iterator[str]:
    """A namespace beyond the host's uplink, without a route to the network, whose httpd answers
    with the address it sees the client as (busybox httpd CGI)."""
    root = Path(tempfile.mkdtemp(prefix="cloudca-peer-"))
    with contextlib.ExitStack() as stack:
        namespace = stack.enter_context(libvirt_support.network_namespace("cloudca-fp"))
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        # Not "cca...": the uplink is not one of cloudca's bridges.
        run(*f"ip -n {hosts.host} link add uplink0 type veth peer name eth0 netns {namespace}".split())
        run("ip", "-n", hosts.host, "addr", "add", f"{UPLINK}/24", "dev", "uplink0")
        run("ip", "-n", hosts.host, "link", "set", "uplink0", "up")
        run("ip", "-n", namespace, "addr", "add", f"{PEER}/24", "dev", "eth0")
        run("ip", "-n", namespace, "link", "set", "eth0", "up")
        # The public pool is the host's (static NAT answers come back to it); the network is not.
        run("ip", "-n", namespace, "route", "add", "203.0.113.0/24", "via", UPLINK)
        (root / "cgi-bin").mkdir()
        script = root / "cgi-bin" / "whoami"
        script.write_text('#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s" "$REMOTE_ADDR"\n')
        script.chmod(0o755)
        command = ["ip", "netns", "exec", namespace, "busybox", "httpd", "-f", "-p", "8082", "-h", str(root)]
        server = subprocess.Popen(command)
        try:
            yield namespace
        finally:
            server.terminate()
            server.wait(timeout=10)


def whoami(namespace: str) -> str | None:
    """The address the peer sees a request from ``namespace`` come from (``None``: no answer)."""
    with libvirt_support.entered_namespace(namespace):
        import http.client

        connection = http.client.HTTPConnection(PEER, 8082, timeout=2)
        try:
            connection.request("GET", "/cgi-bin/whoami")
            address = connection.getresponse().read().decode()
        except OSError:
            return None
        finally:
            connection.close()
    return address.removeprefix("[::ffff:").removesuffix("]")  # busybox listens on IPv6 too.


def nft(host_namespace: str, *arguments: str) -> str:
    command = ["ip", "netns", "exec", host_namespace, "nft", *arguments]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=30).stdout


def rule_handles(host_namespace: str) -> list[tuple[str, int]]:
    """(chain, handle) of every rule of cloudca's table: a rewritten rule gets a new handle."""
    listing = json.loads(nft(host_namespace, "-j", "list", "table", "ip", "cloudca"))["nftables"]
    return [(item["rule"]["chain"], item["rule"]["handle"]) for item in listing if "rule" in item]


async def test_a_machine_reaches_a_public_ip_that_leads_back_into_its_own_network(
    network_driver, host, machine_a, bridge_netfilter
) -> None:
    serving(host, MACHINE_B, 8080)
    forward = PortForward("to-b", "tcp", 8081, 8081, MACHINE_B, 8080, 8080)
    await network_driver.set_port_forwarding(PUBLIC_IP, [forward])
    await network_driver.set_load_balancing(
        PUBLIC_IP, [LoadBalancer("to-b", "tcp", 80, 8080, "roundrobin", (MACHINE_B,))]
    )

    assert serving(machine_a, PUBLIC_IP, 8081) == "machine-b"  # A forward to another machine.
    assert ask(machine_a, PUBLIC_IP, 80) == "machine-b"  # A balancer.
    assert ask(host, PUBLIC_IP, 8081) == "machine-b"  # From outside the network, as before.


@pytest.mark.parametrize("bridge_netfilter", ["routed"], indirect=True)
async def test_a_machine_reaches_itself_through_its_public_ip(
    network_driver, host, machine_a, bridge_netfilter
) -> None:
    """Routed, the host sends the packet back as the gateway. Where br_netfilter bridges it instead,
    the bridge does not send a frame back out of the port it came from (guests' ports have no
    hairpin mode): that case is not served yet."""
    await network_driver.set_load_balancing(
        PUBLIC_IP, [LoadBalancer("to-a", "tcp", 80, 8080, "roundrobin", ("10.77.0.2",))]
    )
    assert serving(machine_a, PUBLIC_IP, 80) == "machine-a"


async def test_what_a_machine_sends_beyond_the_host_leaves_as_the_host(
    network_driver, machine_a, peer
) -> None:
    await network_driver.set_port_forwarding(PUBLIC_IP, [])  # Any change makes the table.

    assert libvirt_support.wait_for(lambda: whoami(machine_a), 10, "the peer") == UPLINK


async def test_after_a_flush_the_same_state_brings_traffic_back_and_a_repeat_rewrites_nothing(
    network_driver, host, machine_a, peer
) -> None:
    forward = PortForward("to-b", "tcp", 8081, 8081, MACHINE_B, 8080, 8080)
    web = LoadBalancer("web", "tcp", 80, 8080, "roundrobin", ("10.77.0.2",))
    rules = [acl(10, "allow", "ingress", "0.0.0.0/0", 8080), acl(20, "deny", "egress", f"{PEER}/32", 8082)]

    async def push() -> None:  # What a start pushes for this IP and network (networking/restore.py).
        await network_driver.set_port_forwarding(PUBLIC_IP, [forward])
        await network_driver.set_load_balancing(PUBLIC_IP, [web])
        await network_driver.set_network_acl(NETWORK, CIDR, rules)

    await push()
    assert serving(host, PUBLIC_IP, 8081) == "machine-b"
    assert whoami(machine_a) is None  # The ACL's egress deny.
    handles = rule_handles(host)

    await push()  # The kernel already has it all: not one rule is rewritten.
    assert rule_handles(host) == handles

    nft(host, "flush", "ruleset")  # What a reboot leaves.
    assert ask(host, PUBLIC_IP, 8081) is None
    assert ask(host, PUBLIC_IP, 80) is None

    await push()
    assert serving(host, PUBLIC_IP, 8081) == "machine-b"
    assert ask(host, PUBLIC_IP, 80) == "machine-a"
    assert ask(machine_a, PUBLIC_IP, 8081) == "machine-b"  # Hairpin.
    assert whoami(machine_a) is None  # The ACL is back.
    await network_driver.set_network_acl(NETWORK, CIDR, None)
    assert whoami(machine_a) == UPLINK  # Outbound NAT is back.


async def test_a_static_nat_machine_leaves_as_its_public_ip_and_is_reached_through_it(
    network_driver, host, machine_a, hosts, peer, bridge_netfilter
) -> None:
    """The networks' masquerade (``nat-out``) comes after static NAT's source NAT: a machine with a
    static NAT address leaves as that address, the others as the host; and a machine of the same
    network reaches it through that address (hairpin)."""
    machine_b, address = hosts.machines[1], "203.0.113.42"
    await network_driver.set_static_nat(address, MACHINE_B)

    assert libvirt_support.wait_for(lambda: whoami(machine_b), 10, "the peer") == address
    assert whoami(machine_a) == UPLINK
    assert serving(machine_a, address, 8080) == "machine-b"

    nft(host, "flush", "ruleset")
    await network_driver.set_static_nat(address, MACHINE_B)  # What a start pushes again.
    assert whoami(machine_b) == address
    assert serving(machine_a, address, 8080) == "machine-b"
    await network_driver.set_static_nat(address, None)
    assert whoami(machine_b) == UPLINK
