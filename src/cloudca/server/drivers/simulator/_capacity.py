"""The simulator's hosts and their capacity: host names, and taking and giving back CPUs and memory."""

from __future__ import annotations

import re

from cloudca.server.drivers.base import DriverError, NoCapacityError

from ._state import SimulatedHost, SimulatedMachine


def host_names(zone_name: str, count: int) -> list[str]:
    """The simulator's host names of a zone: ``QC-1`` gives ``sim-qc-1-host-1``, ``sim-qc-1-host-2``..."""
    slug = re.sub(r"[^a-z0-9]+", "-", zone_name.lower()).strip("-")
    if not slug:
        raise ValueError(f"zone name {zone_name!r} has no letters or digits")
    return [f"sim-{slug}-host-{index}" for index in range(1, count + 1)]


def check_could_ever_fit(host: SimulatedHost, instance_id: str, cpu_count: int, memory_mb: int) -> None:
    """Refuse a size larger than the whole host: such a machine could never run there."""
    if not host.could_ever_fit(cpu_count, memory_mb):
        raise NoCapacityError(
            f"instance {instance_id}: host {host.info.name} has {host.info.cpu_count} CPUs and "
            f"{host.info.memory_mb} MB in all, {cpu_count} CPUs and {memory_mb} MB can never run there"
        )


def reserve(
    host: SimulatedHost, instance_id: str, cpu_delta: int, memory_mb_delta: int, *, shared: bool
) -> None:
    """Take (or give back, when negative) capacity, refusing what the host does not have free
    (unless ``shared``: another process's machines are missing from these books)."""
    if not shared and not host.fits(max(cpu_delta, 0), max(memory_mb_delta, 0)):
        free_cpus = host.info.cpu_count - host.cpus_used
        free_memory_mb = host.info.memory_mb - host.memory_mb_used
        raise NoCapacityError(
            f"instance {instance_id}: host {host.info.name} has {free_cpus} CPUs and "
            f"{free_memory_mb} MB free, {cpu_delta} CPUs and {memory_mb_delta} MB more are needed"
        )
    host.reserve(cpu_delta, memory_mb_delta)


def check_username(machine: SimulatedMachine, username: str) -> None:
    if machine.username and username != machine.username:
        raise DriverError(
            f"instance {machine.instance_id}: the default user is {machine.username}, not {username}"
        )
