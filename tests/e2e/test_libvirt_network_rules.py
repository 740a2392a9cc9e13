"""Network ACLs and load balancers on real guests, through the public API only.

The world is test_libvirt_guests.py's (a network namespace of the test's own, its libvirtd and
``cloudca serve --driver libvirt`` in it, the public pool routed to the namespace's host), made
again for this module. Two guests on a load balanced network behind an ACL of the test's own each
serve their hostname over HTTP on port 8080 (busybox httpd, started by user data); one public IP
balances port 80 over both. Nothing leaves the namespace; every wait is bounded.
"""

from __future__ import annotations

import http.client
import subprocess
import time
from dataclasses import dataclass

import pytest

from cloudca import Instance, Network, NetworkAcl, NetworkAclRule, PublicIp
from tests.e2e import test_libvirt_guests as guests
from tests.e2e.test_libvirt_guests import BOOT_TIMEOUT, World, _diagnostics, _offering

pytestmark = pytest.mark.libvirt
world = guests.world  # The guests' module-scoped fixture: a world of this module's own.

SERVE_HOSTNAME = "#!/bin/sh\nmkdir -p /tmp/www\nhostname > /tmp/www/index.html\nhttpd -p 8080 -h /tmp/www\n"
PUBLIC_PORT, PRIVATE_PORT = 80, 8080


@dataclass
class Tier:
    acl: NetworkAcl
    network: Network
    instances: list[Instance]
    public_ip: PublicIp


def answer(address: str) -> str | None:
    """The body of ``GET /`` on the public port, or ``None`` when nothing answers within 3 s."""
    connection = http.client.HTTPConnection(address, PUBLIC_PORT, timeout=3)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode().strip()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def answers_until(address: str, wanted: set[str], timeout: float) -> set[str]:
    """Ask the public port until every ``wanted`` answer was seen (any answer, when ``wanted`` is
    empty), for at most ``timeout`` seconds; returns what answered."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = answer(address)
        if body is None:
            time.sleep(1)  # The guests are still booting: polled, with a deadline.
            continue
        seen.add(body)
        if wanted <= seen:
            break
    return seen


def ingress_rule(world: World, acl: NetworkAcl, number: int, action: str) -> NetworkAclRule:
    """A rule of ``acl`` for TCP to the guests' port from anywhere."""
    return world.env.network_acl_rules.create(
        acl.id,
        rule_number=number,
        cidr="0.0.0.0/0",
        action=action,
        protocol="TCP",
        traffic_type="Ingress",
        start_port=PRIVATE_PORT,
        end_port=PRIVATE_PORT,
        wait=True,
    )


def make_tier(world: World) -> Tier:
    """An ACL allowing TCP 8080 in, a load balanced network behind it, two guests, a balanced IP."""
    env = world.env
    vpc = env.vpcs.list()[0]
    acl = env.network_acls.create("e2e-web", "web tier", vpc.id, wait=True)
    ingress_rule(world, acl, 10, "Allow")
    balanced = next(o for o in env.network_offerings.list() if o.name == "Load Balanced Network")
    network = env.networks.create("e2e-web", "web tier", vpc.id, balanced.id, acl.id, wait=True)
    template = next(template for template in env.templates.list() if template.name == "Debian 12")
    tasks = [
        env.instances.create(
            name=f"web-{number}",
            template_id=template.id,
            compute_offering_id=_offering(world, "1vCPU.512MB"),
            network_id=network.id,
            user_data=SERVE_HOSTNAME,
        )
        for number in (1, 2)
    ]
    instances = [task.wait(timeout=BOOT_TIMEOUT) for task in tasks]
    public_ip = env.public_ips.acquire(vpc.id, wait=True)
    return Tier(acl, network, instances, public_ip)


@pytest.fixture(scope="module")
def tier(world: World) -> Tier:
    return make_tier(world)


def test_two_instances_behind_one_balancer_both_answer_on_its_public_ip(world: World, tier: Tier) -> None:
    hostnames = {instance.hostname or instance.name for instance in tier.instances}
    world.env.load_balancer_rules.create(
        "e2e-web",
        tier.public_ip.id,
        public_port=PUBLIC_PORT,
        private_port=PRIVATE_PORT,
        algorithm="roundrobin",
        protocol="tcp",
        network_id=tier.network.id,
        instance_ids=[instance.id for instance in tier.instances],
        wait=True,
    )

    seen = answers_until(tier.public_ip.ip_address, hostnames, BOOT_TIMEOUT)

    if seen != hostnames:
        print(_diagnostics(world))
    assert seen == hostnames


def test_a_deny_rule_blocks_the_port_that_an_allow_rule_opened(world: World, tier: Tier) -> None:
    address = tier.public_ip.ip_address
    assert answers_until(address, set(), 10), "the balanced port answers before the deny rule"

    deny = ingress_rule(world, tier.acl, 5, "Deny")
    # The rule is in force once its task succeeded: new connections are dropped from then on.
    assert [answer(address) for _ in range(3)] == [None, None, None]

    world.env.network_acl_rules.delete(deny.id, wait=True)
    assert answers_until(address, set(), 10), "the port answers again without the deny rule"


def test_deleting_the_tier_removes_its_balancer_and_filtering(world: World, tier: Tier) -> None:
    env = world.env
    for rule in env.load_balancer_rules.list(public_ip_id=tier.public_ip.id):
        env.load_balancer_rules.delete(rule.id, wait=True)
    env.public_ips.release(tier.public_ip.id, wait=True)
    for instance in tier.instances:
        env.instances.destroy(instance.id, purge_immediately=True, wait=True, timeout=BOOT_TIMEOUT)
    env.networks.delete(tier.network.id, wait=True)

    ruleset = subprocess.run(
        ["nft", "list", "table", "ip", "cloudca"], capture_output=True, text=True, check=True
    ).stdout
    # The other networks (the seeded ones) stay filtered: a start restores every network's ACL.
    assert f"cca{tier.network.id.replace('-', '')[:10]}" not in ruleset  # _xml.bridge_name
    assert "lb-" not in ruleset
