"""Create-to-SSH-ready on the libvirt driver, and cloudca's share of it.

    sudo .venv/bin/python -m bench.libvirt_boot [--rounds 5]

Starts cloudca on a libvirtd of its own inside a new network namespace (as the e2e tests do, with
the test guest of scripts/guest-image: QEMU under TCG where KVM is unusable), then, ``--rounds``
times, one instance at a time:

- ``create`` — from sending ``POST instances`` (with ``sshKeyName`` and ``portsToForward: ["22"]``)
  until its task is SUCCESS: the API's acceptance, placement, the root disk overlay and NoCloud seed,
  the domain's definition and start, and the forward. This is **cloudca's share** (accept to domain
  start; the guest has only just begun to boot);
- ``boot`` — from there until an SSH login with the key through the public IP runs a command: the
  hypervisor's and the guest's boot, polled every 0.2 s;
- ``total`` — create-to-SSH-ready, the sum.

The instances stay until the last round (the first round also creates the libvirt network): an
address freed by a purge is not given again at once, since dnsmasq keeps the old guest's lease of
it and will not offer it to the new MAC (see issue 9's notes). Medians are printed with every round, and
written to bench/results/libvirt-boot-<date>.json. Needs root and what scripts/deps/libvirt.sh
installs; take the figures of a loaded machine as such.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import statistics
import time
from pathlib import Path

import asyncssh
from tests import libvirt_support

from cloudca import Client, EnvironmentClient

API_KEY = "libvirt-bench-key-0123456789abcdef"
PUBLIC_POOL = "203.0.113.0/24"
RESULTS = Path(__file__).resolve().parent / "results"
SSH_DEADLINE = 600.0


async def _login(address: str, key_path: Path) -> None:
    async with asyncssh.connect(
        address, username="cca-user", client_keys=[str(key_path)], known_hosts=None, connect_timeout=5
    ) as connection:
        await connection.run("true", check=True, timeout=30)


def _wait_for_ssh(address: str, key_path: Path) -> None:
    deadline = time.monotonic() + SSH_DEADLINE
    while True:
        try:
            asyncio.run(_login(address, key_path))
            return
        except (OSError, asyncssh.Error, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # The guest is booting: polled, within the deadline.


def _round(env: EnvironmentClient, key_path: Path, number: int) -> tuple[str, dict[str, float]]:
    template = next(t for t in env.templates.list() if t.name == "Debian 12")
    offering = next(o for o in env.compute_offerings.list() if o.name == "1vCPU.512MB")
    network = env.networks.list()[0]
    started = time.monotonic()
    instance = env.instances.create(
        name=f"bench-{number}",
        template_id=template.id,
        compute_offering_id=offering.id,
        network_id=network.id,
        ssh_key_name="bench-key",
        ports_to_forward=["22"],
        wait=True,
        timeout=SSH_DEADLINE,
    )
    running = time.monotonic()
    rule = next(r for r in env.port_forwarding_rules.list() if r.instance_id == instance.id)
    assert rule.ip_address
    _wait_for_ssh(rule.ip_address, key_path)
    ready = time.monotonic()
    return instance.id, {"create": running - started, "boot": ready - running, "total": ready - started}


def measure(rounds: int) -> dict[str, object]:
    libvirt_support.require_libvirt()
    with (
        libvirt_support.cloudca_on_libvirt("cloudca-bench", API_KEY, PUBLIC_POOL) as installation,
        Client(api_url=installation.server.url, api_key=API_KEY) as client,
    ):
        env = client.environment("compute-qc", "prod")
        public_key = installation.key_path.with_suffix(".pub").read_text().strip()
        env.ssh_keys.create("bench-key", public_key, wait=True)
        results = []
        made = []
        for number in range(1, rounds + 1):
            instance_id, result = _round(env, installation.key_path, number)
            made.append(instance_id)
            results.append(result)
            print(f"round {number}: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.items()))
        for instance_id in made:
            env.instances.destroy(instance_id, purge_immediately=True, wait=True, timeout=SSH_DEADLINE)
    medians = {
        key: statistics.median(result[key] for result in results) for key in ("create", "boot", "total")
    }
    return {"rounds": results, "median": medians, "share": medians["create"] / medians["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.libvirt_boot", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="instances created one after another [5]")
    arguments = parser.parse_args()
    report = measure(arguments.rounds)
    medians = report["median"]
    assert isinstance(medians, dict)
    print(
        f"median of {arguments.rounds}: create-to-SSH-ready {medians['total']:.2f} s; cloudca's share "
        f"(POST to domain started) {medians['create']:.2f} s ({report['share']:.0%}); "
        f"guest boot to SSH {medians['boot']:.2f} s"
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"libvirt-boot-{datetime.date.today().isoformat()}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
