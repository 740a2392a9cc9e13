"""The contract every compute driver honours: each postcondition of ``drivers/base.py``.

Runs once per driver (see ``conftest.DRIVERS``). Tests read like the interface's docstrings; what
the interface itself cannot show is observed through the ``probe`` fixture.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cloudca.server.drivers.base import (
    Capabilities,
    ComputeDriver,
    DriverError,
    KnownMachine,
    MachineNotFoundError,
    NoCapacityError,
    PowerState,
)
from cloudca.server.drivers.rules import PortForward

RUNNING, STOPPED = PowerState.RUNNING, PowerState.STOPPED


async def created(driver, specs, host, **overrides):
    spec = specs.machine(host, **overrides)
    await driver.create(spec)
    return spec


async def running(driver, specs, host, **overrides):
    spec = await created(driver, specs, host, **overrides)
    await driver.start(spec.instance_id)
    return spec


async def runs_or_refuses(driver, probe, host, spec, operation):
    """Power on beyond what the host has free: a real host may overcommit (libvirt does, and the
    control plane's own books decide placement), a driver may also refuse. Either way the outcome
    is whole: the machine runs and counts, or ``NoCapacityError`` and nothing changed."""
    before = probe.snapshot(spec.instance_id)
    usage = probe.usage_or_none(host.name)
    try:
        await operation(spec.instance_id)
    except NoCapacityError:
        assert await driver.power_state(spec.instance_id) is STOPPED
        assert probe.snapshot(spec.instance_id) == before
        assert probe.usage_or_none(host.name) == usage
        return
    assert await driver.power_state(spec.instance_id) is RUNNING
    if usage is not None:
        cpus, memory_mb = probe.size(spec.instance_id)
        assert probe.usage_or_none(host.name) == (usage[0] + cpus, usage[1] + memory_mb)


def forward(rule_id="rule-1", protocol="TCP", public=(2222, 2222), private=(22, 22), ip="10.42.0.2"):
    return PortForward(rule_id, protocol, public[0], public[1], ip, private[0], private[1])


# -- Declarations ------------------------------------------------------------------------------------


async def test_a_driver_declares_its_name_and_capabilities(driver: ComputeDriver):
    assert isinstance(driver.name, str) and driver.name
    assert isinstance(driver.capabilities, Capabilities)


async def test_hosts_are_named_uniquely_within_their_zone_and_have_capacity(driver: ComputeDriver):
    hosts = await driver.hosts()

    assert hosts
    assert len({(host.zone_name, host.name) for host in hosts}) == len(hosts)
    assert all(host.cpu_count > 0 and host.memory_mb > 0 for host in hosts)


async def test_hosts_answer_the_same_every_time(driver: ComputeDriver):
    assert list(await driver.hosts()) == list(await driver.hosts())


# -- create --------------------------------------------------------------------------------------------


async def test_create_defines_the_machine_powered_off(driver, specs, host):
    spec = await created(driver, specs, host)

    assert await driver.power_state(spec.instance_id) is STOPPED


async def test_create_again_with_the_same_spec_succeeds_and_changes_nothing(driver, specs, host, probe):
    spec = await created(driver, specs, host)
    usage = probe.host_usage(host.name)

    await driver.create(spec)

    assert await driver.power_state(spec.instance_id) is STOPPED
    assert probe.host_usage(host.name) == usage


async def test_create_again_with_another_spec_fails_and_keeps_the_first(driver, specs, host, probe):
    spec = await created(driver, specs, host)

    with pytest.raises(DriverError):
        await driver.create(replace(spec, cpu_count=spec.cpu_count + 1))

    assert probe.size(spec.instance_id) == (spec.cpu_count, spec.memory_mb)


async def test_create_records_size_nics_and_disks(driver, specs, host, probe):
    spec = await created(driver, specs, host, cpu_count=2, memory_mb=2048)

    assert probe.size(spec.instance_id) == (2, 2048)
    assert probe.nics(spec.instance_id) == spec.nics
    assert probe.disks(spec.instance_id) == spec.disks


async def test_create_hands_the_password_and_key_to_the_default_user(driver, specs, host, probe):
    spec = await created(driver, specs, host)

    assert probe.password_matches(spec.instance_id, "first-Password-1")
    assert not probe.password_matches(spec.instance_id, "another")
    assert probe.ssh_key(spec.instance_id) == spec.ssh_public_key


async def test_create_defines_a_stopped_machine_that_uses_no_capacity(driver, specs, host, probe):
    usage = probe.host_usage(host.name)

    spec = await created(driver, specs, host, cpu_count=2, memory_mb=2048)

    assert probe.size(spec.instance_id) == (2, 2048)
    assert probe.host_usage(host.name) == usage


async def test_create_succeeds_on_a_host_whose_running_machines_use_it_all(driver, specs, host, probe):
    await running(driver, specs, host, cpu_count=host.cpu_count, memory_mb=host.memory_mb)
    usage = probe.host_usage(host.name)
    assert usage == (host.cpu_count, host.memory_mb)

    spec = await created(driver, specs, host, cpu_count=host.cpu_count, memory_mb=host.memory_mb)

    assert await driver.power_state(spec.instance_id) is STOPPED
    assert probe.host_usage(host.name) == usage


async def test_create_on_a_host_the_driver_does_not_offer_fails_and_leaves_nothing(driver, specs, host):
    spec = specs.machine(host, host_name="no-such-host")

    with pytest.raises(DriverError):
        await driver.create(spec)

    assert await driver.power_state(spec.instance_id) is None


@pytest.mark.parametrize("too_big", ["cpu_count", "memory_mb"])
async def test_create_of_a_machine_larger_than_the_whole_host_raises_no_capacity(
    driver, specs, host, probe, too_big
):
    usage = probe.host_usage(host.name)
    spec = specs.machine(host, **{too_big: getattr(host, too_big) + 1})

    with pytest.raises(NoCapacityError):
        await driver.create(spec)

    assert await driver.power_state(spec.instance_id) is None
    assert probe.host_usage(host.name) == usage


async def test_a_failed_create_leaves_nothing_and_capacity_unchanged(driver, specs, host, probe):
    usage = probe.host_usage(host.name)
    spec = specs.machine(host)
    probe.fail_next("create")

    with pytest.raises(DriverError):
        await driver.create(spec)

    assert await driver.power_state(spec.instance_id) is None
    assert probe.host_usage(host.name) == usage
    await driver.create(spec)  # A retry succeeds: nothing half-made was in its way.
    assert await driver.power_state(spec.instance_id) is STOPPED


async def test_create_refuses_a_mac_address_another_machine_uses(driver, specs, host, probe):
    probe.sees_every_machine()
    first = await created(driver, specs, host)
    nic = specs.nic(mac_address=first.nics[0].mac_address)
    second = specs.machine(host, nics=(nic,))

    with pytest.raises(DriverError):
        await driver.create(second)

    assert await driver.power_state(second.instance_id) is None


async def test_create_refuses_an_ip_address_another_machine_uses_on_the_same_network(
    driver, specs, host, probe
):
    probe.sees_every_machine()
    first = await created(driver, specs, host)
    second = specs.machine(host, nics=(specs.nic(ip_address=first.nics[0].ip_address),))

    with pytest.raises(DriverError):
        await driver.create(second)

    assert await driver.power_state(second.instance_id) is None


async def test_the_same_ip_address_on_another_network_is_fine(driver, specs, host):
    first = await created(driver, specs, host)
    nic = specs.nic(network_id="network-other", ip_address=first.nics[0].ip_address)

    second = await created(driver, specs, host, nics=(nic,))

    assert await driver.power_state(second.instance_id) is STOPPED


# -- start, stop, reboot ------------------------------------------------------------------------------


async def test_start_runs_the_machine(driver, specs, host):
    spec = await created(driver, specs, host)

    await driver.start(spec.instance_id)

    assert await driver.power_state(spec.instance_id) is RUNNING


async def test_start_takes_the_machines_size_from_its_host(driver, specs, host, probe):
    spec = await created(driver, specs, host, cpu_count=2, memory_mb=2048)
    cpus, memory_mb = probe.host_usage(host.name)

    await driver.start(spec.instance_id)

    assert probe.host_usage(host.name) == (cpus + 2, memory_mb + 2048)


async def test_start_beyond_the_cpus_the_host_has_free_runs_it_or_refuses_whole(driver, specs, host, probe):
    await running(driver, specs, host, cpu_count=host.cpu_count - 1, memory_mb=1024)
    spec = await created(driver, specs, host, cpu_count=2, memory_mb=1024)

    await runs_or_refuses(driver, probe, host, spec, driver.start)


async def test_start_beyond_the_memory_the_host_has_free_runs_it_or_refuses_whole(driver, specs, host, probe):
    await running(driver, specs, host, cpu_count=1, memory_mb=host.memory_mb - 512)
    spec = await created(driver, specs, host, cpu_count=1, memory_mb=1024)

    await runs_or_refuses(driver, probe, host, spec, driver.start)


async def test_a_host_can_be_filled_exactly_by_running_machines(driver, specs, host, probe):
    first = await created(driver, specs, host, cpu_count=host.cpu_count - 1, memory_mb=host.memory_mb - 1024)
    second = await created(driver, specs, host, cpu_count=1, memory_mb=1024)

    await driver.start(first.instance_id)
    await driver.start(second.instance_id)

    assert probe.host_usage(host.name) == (host.cpu_count, host.memory_mb)


async def test_starting_a_running_machine_keeps_its_usage(driver, specs, host, probe):
    spec = await running(driver, specs, host, cpu_count=host.cpu_count, memory_mb=host.memory_mb)

    await driver.start(spec.instance_id)  # The host is full; a second start must not count it twice.

    assert probe.host_usage(host.name) == (host.cpu_count, host.memory_mb)


async def test_starting_a_running_machine_succeeds_without_rebooting_it(driver, specs, host, probe):
    spec = await running(driver, specs, host)
    boots = probe.boot_count(spec.instance_id)

    await driver.start(spec.instance_id)

    assert await driver.power_state(spec.instance_id) is RUNNING
    assert probe.boot_count(spec.instance_id) == boots


async def test_stop_powers_the_machine_off(driver, specs, host):
    spec = await running(driver, specs, host)

    await driver.stop(spec.instance_id)

    assert await driver.power_state(spec.instance_id) is STOPPED


async def test_stop_gives_the_capacity_back_for_another_machine_to_start(driver, specs, host, probe):
    usage = probe.host_usage(host.name)
    first = await running(driver, specs, host, cpu_count=host.cpu_count, memory_mb=2048)
    second = await created(driver, specs, host, cpu_count=host.cpu_count, memory_mb=2048)

    await driver.stop(first.instance_id)

    assert probe.host_usage(host.name) == usage
    await driver.start(second.instance_id)
    assert probe.host_usage(host.name) == (usage[0] + host.cpu_count, usage[1] + 2048)


async def test_stopping_a_stopped_machine_succeeds(driver, specs, host):
    spec = await created(driver, specs, host)

    await driver.stop(spec.instance_id)
    await driver.stop(spec.instance_id)

    assert await driver.power_state(spec.instance_id) is STOPPED


async def test_reboot_restarts_a_running_machine(driver, specs, host, probe):
    spec = await running(driver, specs, host)
    boots = probe.boot_count(spec.instance_id)

    await driver.reboot(spec.instance_id)

    assert await driver.power_state(spec.instance_id) is RUNNING
    assert probe.boot_count(spec.instance_id) == boots + 1


async def test_reboot_starts_a_stopped_machine(driver, specs, host):
    spec = await created(driver, specs, host)

    await driver.reboot(spec.instance_id)

    assert await driver.power_state(spec.instance_id) is RUNNING


async def test_reboot_of_a_stopped_machine_takes_its_size_from_its_host(driver, specs, host, probe):
    spec = await created(driver, specs, host, cpu_count=2, memory_mb=2048)
    cpus, memory_mb = probe.host_usage(host.name)

    await driver.reboot(spec.instance_id)

    assert probe.host_usage(host.name) == (cpus + 2, memory_mb + 2048)


async def test_reboot_of_a_stopped_machine_beyond_free_capacity_runs_it_or_refuses_whole(
    driver, specs, host, probe
):
    await running(driver, specs, host, cpu_count=host.cpu_count, memory_mb=1024)
    spec = await created(driver, specs, host)

    await runs_or_refuses(driver, probe, host, spec, driver.reboot)


async def test_reboot_of_a_running_machine_keeps_its_usage(driver, specs, host, probe):
    spec = await running(driver, specs, host, cpu_count=host.cpu_count, memory_mb=host.memory_mb)
    boots = probe.boot_count(spec.instance_id)

    await driver.reboot(spec.instance_id)  # The host is full: a reboot must not need room twice.

    assert await driver.power_state(spec.instance_id) is RUNNING
    assert probe.boot_count(spec.instance_id) == boots + 1
    assert probe.host_usage(host.name) == (host.cpu_count, host.memory_mb)


async def test_only_running_counts_through_power_cycles(driver, specs, host, probe):
    spec = await created(driver, specs, host, cpu_count=2, memory_mb=2048)
    idle = probe.host_usage(host.name)
    busy = (idle[0] + 2, idle[1] + 2048)
    steps = [
        (driver.start, busy),
        (driver.reboot, busy),
        (driver.stop, idle),
        (driver.stop, idle),
        (driver.reboot, busy),
        (driver.start, busy),
        (driver.stop, idle),
    ]

    for operation, usage in steps:
        await operation(spec.instance_id)
        assert probe.host_usage(host.name) == usage, operation.__name__

    assert await driver.power_state(spec.instance_id) is STOPPED


UNKNOWN = "instance-unknown"
OPERATIONS_ON_A_MACHINE = {
    "start": lambda driver, specs: driver.start(UNKNOWN),
    "stop": lambda driver, specs: driver.stop(UNKNOWN),
    "reboot": lambda driver, specs: driver.reboot(UNKNOWN),
    "resize": lambda driver, specs: driver.resize(UNKNOWN, 1, 1024),
    "set_password": lambda driver, specs: driver.set_password(UNKNOWN, "cca-user", "a-Password-2"),
    "set_ssh_key": lambda driver, specs: driver.set_ssh_key(UNKNOWN, "cca-user", "ssh-ed25519 AAAA k"),
    "set_nics": lambda driver, specs: driver.set_nics(UNKNOWN, [specs.nic()]),
    "set_disks": lambda driver, specs: driver.set_disks(UNKNOWN, [specs.disk(is_root=True)]),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS_ON_A_MACHINE))
async def test_operations_on_an_unknown_machine_raise_machine_not_found(driver, specs, operation):
    with pytest.raises(MachineNotFoundError):
        await OPERATIONS_ON_A_MACHINE[operation](driver, specs)

    assert await driver.power_state(UNKNOWN) is None


# -- destroy, power_state -----------------------------------------------------------------------------


async def test_power_state_of_an_unknown_machine_is_none(driver):
    assert await driver.power_state(UNKNOWN) is None


@pytest.mark.parametrize("start_first", [False, True], ids=["stopped", "running"])
async def test_destroy_removes_the_machine(driver, specs, host, start_first):
    spec = await (running if start_first else created)(driver, specs, host)

    await driver.destroy(spec.instance_id)

    assert await driver.power_state(spec.instance_id) is None
    with pytest.raises(MachineNotFoundError):
        await driver.start(spec.instance_id)


async def test_destroying_a_machine_that_is_gone_succeeds(driver, specs, host):
    spec = await created(driver, specs, host)

    await driver.destroy(spec.instance_id)
    await driver.destroy(spec.instance_id)
    await driver.destroy(UNKNOWN)

    assert await driver.power_state(spec.instance_id) is None


async def test_destroy_of_a_running_machine_gives_back_capacity_and_addresses(driver, specs, host, probe):
    usage = probe.host_usage(host.name)
    first = await running(driver, specs, host, cpu_count=host.cpu_count)
    assert probe.host_usage(host.name) != usage

    await driver.destroy(first.instance_id)

    assert probe.host_usage(host.name) == usage
    second = await running(driver, specs, host, cpu_count=host.cpu_count, nics=first.nics)
    assert await driver.power_state(second.instance_id) is RUNNING


async def test_destroy_of_a_stopped_machine_leaves_the_running_ones_counted(driver, specs, host, probe):
    await running(driver, specs, host, cpu_count=2, memory_mb=2048)
    usage = probe.host_usage(host.name)
    stopped = await created(driver, specs, host, cpu_count=3, memory_mb=3072)

    await driver.destroy(stopped.instance_id)

    assert probe.host_usage(host.name) == usage


async def test_destroy_detaches_data_disks_so_they_can_be_attached_again(driver, specs, host, probe):
    data = specs.disk()
    first = await created(driver, specs, host, disks=(specs.disk(is_root=True), data))
    await driver.destroy(first.instance_id)

    second = await created(driver, specs, host, disks=(specs.disk(is_root=True), data))

    assert data in probe.disks(second.instance_id)


# -- adopt --------------------------------------------------------------------------------------------


async def test_adopt_of_nothing_succeeds(driver):
    await driver.adopt([])

    assert await driver.power_state(UNKNOWN) is None


async def test_adopt_keeps_what_the_backend_already_runs(driver, specs, host):
    on = await running(driver, specs, host)
    off = await created(driver, specs, host)

    await driver.adopt(
        [KnownMachine(on.instance_id, host.name, RUNNING), KnownMachine(off.instance_id, host.name, STOPPED)]
    )

    assert await driver.power_state(on.instance_id) is RUNNING
    assert await driver.power_state(off.instance_id) is STOPPED


async def test_after_a_restart_adopt_makes_power_state_answer(driver, specs, host, restarted):
    on = await running(driver, specs, host)
    off = await created(driver, specs, host)
    known = [
        KnownMachine(on.instance_id, host.name, RUNNING),
        KnownMachine(off.instance_id, host.name, STOPPED),
    ]

    again = restarted()
    await again.adopt(known)

    assert await again.power_state(on.instance_id) is RUNNING
    assert await again.power_state(off.instance_id) is STOPPED


async def test_after_a_restart_only_machines_adopted_as_running_use_capacity(
    driver, specs, host, probe, restarted
):
    on = await running(driver, specs, host, cpu_count=3, memory_mb=3072)
    off = await created(driver, specs, host, cpu_count=2, memory_mb=2048)
    known = [
        KnownMachine(on.instance_id, host.name, RUNNING, on.cpu_count, on.memory_mb),
        KnownMachine(off.instance_id, host.name, STOPPED, off.cpu_count, off.memory_mb),
    ]

    again = restarted()
    await again.adopt(known)
    seen = type(probe)(again)

    assert seen.host_usage(host.name) == (3, 3072)
    await again.start(off.instance_id)
    assert seen.host_usage(host.name) == (5, 5120)
    await again.destroy(on.instance_id)
    assert seen.host_usage(host.name) == (2, 2048)


async def test_adopted_machines_can_be_operated_and_destroyed(driver, specs, host, restarted):
    spec = await created(driver, specs, host)
    again = restarted()
    await again.adopt([KnownMachine(spec.instance_id, host.name, STOPPED)])

    await again.start(spec.instance_id)
    assert await again.power_state(spec.instance_id) is RUNNING
    await again.destroy(spec.instance_id)
    assert await again.power_state(spec.instance_id) is None


# -- resize -------------------------------------------------------------------------------------------


async def test_resize_changes_cpu_and_memory(driver, specs, host, probe):
    spec = await created(driver, specs, host, cpu_count=1, memory_mb=1024)

    await driver.resize(spec.instance_id, 2, 4096)

    assert probe.size(spec.instance_id) == (2, 4096)
    assert await driver.power_state(spec.instance_id) is STOPPED


async def test_resize_of_a_running_machine_moves_the_host_usage_both_ways(driver, specs, host, probe):
    usage = probe.host_usage(host.name)
    spec = await running(driver, specs, host, cpu_count=2, memory_mb=2048)

    await driver.resize(spec.instance_id, 4, 4096)
    assert probe.host_usage(host.name) == (usage[0] + 4, usage[1] + 4096)
    await driver.resize(spec.instance_id, 1, 512)
    assert probe.host_usage(host.name) == (usage[0] + 1, usage[1] + 512)


async def test_resize_of_a_stopped_machine_only_changes_its_definition(driver, specs, host, probe):
    await running(driver, specs, host, cpu_count=host.cpu_count, memory_mb=host.memory_mb)
    usage = probe.host_usage(host.name)
    spec = await created(driver, specs, host, cpu_count=1, memory_mb=1024)

    await driver.resize(spec.instance_id, 4, 4096)  # The host is full, but a definition uses nothing.

    assert probe.size(spec.instance_id) == (4, 4096)
    assert probe.host_usage(host.name) == usage
    await runs_or_refuses(driver, probe, host, spec, driver.start)


async def test_resize_of_a_running_machine_keeps_it_running(driver, specs, host, probe):
    spec = await running(driver, specs, host)

    await driver.resize(spec.instance_id, 2, 2048)
    if not driver.capabilities.live_resize:
        await driver.reboot(spec.instance_id)  # What the caller does without live resize.

    assert await driver.power_state(spec.instance_id) is RUNNING
    assert probe.size(spec.instance_id) == (2, 2048)


@pytest.mark.parametrize(("more_cpus", "more_memory_mb"), [(2, 0), (0, 2048)], ids=["cpu", "memory"])
async def test_resize_of_a_running_machine_beyond_free_capacity_resizes_or_refuses_whole(
    driver, specs, host, probe, more_cpus, more_memory_mb
):
    await running(driver, specs, host, cpu_count=host.cpu_count - 2, memory_mb=host.memory_mb - 2048)
    spec = await running(driver, specs, host, cpu_count=1, memory_mb=1024)  # One CPU and 1 GB stay free.
    before = probe.snapshot(spec.instance_id)
    usage = probe.host_usage(host.name)
    size = (1 + more_cpus, 1024 + more_memory_mb)

    try:
        await driver.resize(spec.instance_id, *size)
    except NoCapacityError:
        assert probe.size(spec.instance_id) == (1, 1024)
        assert probe.snapshot(spec.instance_id) == before
        assert probe.host_usage(host.name) == usage
        await driver.resize(spec.instance_id, 2, 2048)  # What is free is taken.
        assert probe.host_usage(host.name) == (host.cpu_count, host.memory_mb)
        return
    assert probe.size(spec.instance_id) == size
    assert probe.host_usage(host.name) == (usage[0] + more_cpus, usage[1] + more_memory_mb)


# -- credentials --------------------------------------------------------------------------------------


async def test_set_password_replaces_the_default_users_password(driver, specs, host, probe):
    spec = await created(driver, specs, host)

    await driver.set_password(spec.instance_id, spec.username, "second-Password-2")

    assert probe.password_matches(spec.instance_id, "second-Password-2")
    assert not probe.password_matches(spec.instance_id, "first-Password-1")


async def test_set_password_works_on_a_running_machine(driver, specs, host, probe):
    spec = await running(driver, specs, host)

    await driver.set_password(spec.instance_id, spec.username, "second-Password-2")

    assert probe.password_matches(spec.instance_id, "second-Password-2")
    assert await driver.power_state(spec.instance_id) is RUNNING


async def test_set_ssh_key_makes_it_the_only_key(driver, specs, host, probe):
    spec = await created(driver, specs, host)
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISecond second@test"

    await driver.set_ssh_key(spec.instance_id, spec.username, key)

    assert probe.ssh_key(spec.instance_id) == key


# -- NICs and disks ------------------------------------------------------------------------------------


async def test_set_nics_replaces_the_nics(driver, specs, host, probe):
    spec = await created(driver, specs, host)
    added = specs.nic(network_id="network-second", is_default=False)
    nics = (spec.nics[0], added)

    await driver.set_nics(spec.instance_id, nics)
    assert probe.nics(spec.instance_id) == nics

    await driver.set_nics(spec.instance_id, [replace(added, is_default=True)])
    assert probe.nics(spec.instance_id) == (replace(added, is_default=True),)


async def test_set_nics_frees_addresses_for_other_machines(driver, specs, host):
    first = await created(driver, specs, host)
    await driver.set_nics(first.instance_id, [specs.nic()])

    second = await created(driver, specs, host, nics=first.nics)

    assert await driver.power_state(second.instance_id) is STOPPED


async def test_set_nics_refuses_a_mac_address_another_machine_uses(driver, specs, host, probe):
    probe.sees_every_machine()
    first = await created(driver, specs, host)
    second = await created(driver, specs, host)

    with pytest.raises(DriverError):
        await driver.set_nics(second.instance_id, [specs.nic(mac_address=first.nics[0].mac_address)])

    assert probe.nics(second.instance_id) == second.nics


async def test_set_disks_attaches_detaches_and_grows_volumes(driver, specs, host, probe):
    spec = await created(driver, specs, host)
    root, data = spec.disks[0], specs.disk(size_gb=50)

    await driver.set_disks(spec.instance_id, [root, data])
    assert probe.disks(spec.instance_id) == (root, data)

    grown = replace(data, size_gb=100)
    await driver.set_disks(spec.instance_id, [root, grown])
    assert probe.disks(spec.instance_id) == (root, grown)

    await driver.set_disks(spec.instance_id, [root])
    assert probe.disks(spec.instance_id) == (root,)


async def test_set_disks_refuses_a_volume_attached_to_another_machine(driver, specs, host, probe):
    probe.sees_every_machine()
    data = specs.disk()
    await created(driver, specs, host, disks=(specs.disk(is_root=True), data))
    second = await created(driver, specs, host)

    with pytest.raises(DriverError):
        await driver.set_disks(second.instance_id, [second.disks[0], data])

    assert probe.disks(second.instance_id) == second.disks


# -- port forwarding -----------------------------------------------------------------------------------


async def test_set_port_forwarding_makes_the_rules_exactly_those(driver, probe):
    ssh, web = forward("rule-ssh"), forward("rule-web", public=(8080, 8081), private=(80, 81))

    await driver.set_port_forwarding("203.0.113.10", [ssh, web])
    assert set(probe.port_forwards("203.0.113.10")) == {ssh, web}

    await driver.set_port_forwarding("203.0.113.10", [web])
    assert set(probe.port_forwards("203.0.113.10")) == {web}


async def test_set_port_forwarding_is_idempotent(driver, probe):
    rules = [forward()]

    await driver.set_port_forwarding("203.0.113.10", rules)
    await driver.set_port_forwarding("203.0.113.10", rules)

    assert set(probe.port_forwards("203.0.113.10")) == set(rules)


async def test_an_empty_list_removes_every_forward_of_the_ip(driver, probe):
    await driver.set_port_forwarding("203.0.113.10", [forward()])

    await driver.set_port_forwarding("203.0.113.10", [])
    await driver.set_port_forwarding("203.0.113.99", [])

    assert probe.port_forwards("203.0.113.10") == ()


async def test_public_ips_have_separate_tables(driver, probe):
    first, second = forward("rule-a"), forward("rule-b")

    await driver.set_port_forwarding("203.0.113.10", [first])
    await driver.set_port_forwarding("203.0.113.11", [second])

    assert probe.port_forwards("203.0.113.10") == (first,)
    assert probe.port_forwards("203.0.113.11") == (second,)


async def test_overlapping_public_ports_are_refused_and_keep_the_old_rules(driver, probe):
    old = forward("rule-old")
    await driver.set_port_forwarding("203.0.113.10", [old])

    with pytest.raises(DriverError):
        await driver.set_port_forwarding(
            "203.0.113.10", [forward("rule-a", public=(2000, 3000), private=(2000, 3000)), forward("rule-b")]
        )

    assert probe.port_forwards("203.0.113.10") == (old,)


# -- every failure leaves nothing half-made -------------------------------------------------------------

FAILING_CALLS = {
    "start": lambda driver, spec, specs: driver.start(spec.instance_id),
    "stop": lambda driver, spec, specs: driver.stop(spec.instance_id),
    "reboot": lambda driver, spec, specs: driver.reboot(spec.instance_id),
    "destroy": lambda driver, spec, specs: driver.destroy(spec.instance_id),
    "resize": lambda driver, spec, specs: driver.resize(spec.instance_id, 2, 2048),
    "set_password": lambda driver, spec, specs: driver.set_password(spec.instance_id, "cca-user", "x-Pass-3"),
    "set_ssh_key": lambda driver, spec, specs: driver.set_ssh_key(
        spec.instance_id, "cca-user", "ssh-rsa B k"
    ),
    "set_nics": lambda driver, spec, specs: driver.set_nics(spec.instance_id, [specs.nic()]),
    "set_disks": lambda driver, spec, specs: driver.set_disks(spec.instance_id, [*spec.disks, specs.disk()]),
}


@pytest.mark.parametrize("operation", sorted(FAILING_CALLS))
@pytest.mark.parametrize("start_first", [False, True], ids=["stopped", "running"])
async def test_a_failed_operation_leaves_the_machine_as_it_was(
    driver, specs, host, probe, operation, start_first
):
    spec = await (running if start_first else created)(driver, specs, host)
    before = probe.snapshot(spec.instance_id)
    usage = probe.host_usage(host.name)
    probe.fail_next(operation)

    with pytest.raises(DriverError):
        await FAILING_CALLS[operation](driver, spec, specs)

    assert probe.snapshot(spec.instance_id) == before
    assert probe.host_usage(host.name) == usage
    await FAILING_CALLS[operation](driver, spec, specs)  # The retry succeeds.


async def test_a_failed_port_forwarding_change_keeps_the_old_rules(driver, probe):
    old = forward("rule-old")
    await driver.set_port_forwarding("203.0.113.10", [old])
    probe.fail_next("set_port_forwarding")

    with pytest.raises(DriverError):
        await driver.set_port_forwarding("203.0.113.10", [])

    assert probe.port_forwards("203.0.113.10") == (old,)


async def test_a_failed_adopt_can_be_retried(driver, specs, host, probe, restarted):
    spec = await running(driver, specs, host)
    again = restarted()
    known = [KnownMachine(spec.instance_id, host.name, RUNNING)]
    type(probe)(again).fail_next("adopt")

    with pytest.raises(DriverError):
        await again.adopt(known)
    await again.adopt(known)

    assert await again.power_state(spec.instance_id) is RUNNING
