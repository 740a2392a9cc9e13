"""The simulator's own behaviour, beyond the driver contract: hosts, latency, faults, its books."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace

import pytest

from cloudca.server.drivers import simulator as simulator_package
from cloudca.server.drivers.base import (
    DiskSpec,
    DriverError,
    KnownMachine,
    MachineSpec,
    NicSpec,
    NoCapacityError,
    PowerState,
)
from cloudca.server.drivers.rules import PortForward
from cloudca.server.drivers.simulator import OPERATIONS, FaultPlan, LatencyProfile, SimulatorDriver

HOST = "sim-qc-1-host-1"


class RecordingSleep:
    """Stands in for ``asyncio.sleep``: records each delay, returns at once (a fake clock)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)  # Still lets other tasks run, as a real wait would.


def simulator(**options) -> SimulatorDriver:
    defaults = {"zones": ("QC-1",), "hosts_per_zone": 2, "host_cpus": 8, "host_memory_mb": 8192, "seed": 7}
    return SimulatorDriver(**{**defaults, **options})


def nic(number: int, *, network_id: str = "network-1", **overrides) -> NicSpec:
    spec = NicSpec(
        nic_id=f"nic-{number}",
        mac_address=f"02:00:00:00:00:{number:02x}",
        ip_address=f"10.0.0.{number}",
        network_id=network_id,
        cidr="10.0.0.0/24",
        gateway="10.0.0.1",
        is_default=True,
    )
    return replace(spec, **overrides)


def machine(number: int, **overrides) -> MachineSpec:
    spec = MachineSpec(
        instance_id=f"instance-{number}",
        name=f"machine-{number}",
        hostname=f"machine-{number}",
        host_name=HOST,
        zone_name="QC-1",
        cpu_count=1,
        memory_mb=1024,
        template_id="template-1",
        username="cca-user",
        nics=(nic(number),),
        disks=(DiskSpec(f"root-{number}", 20, True, "image"),),
        password="s3cret-Password",
    )
    return replace(spec, **overrides)


# -- The LIMITATIONS are documented --------------------------------------------------------------


def test_the_package_docstring_lists_what_is_not_simulated():
    doc = simulator_package.__doc__ or ""

    assert "LIMITATIONS" in doc
    for limitation in ("No guest operating system", "User data is stored, never executed", "No packets"):
        assert limitation in doc
    for limitation in ("No disk I/O", "no live resize", "memory only", "No transitional states"):
        assert limitation in doc


def test_the_driver_points_to_its_limitations():
    assert "LIMITATIONS" in (SimulatorDriver.__doc__ or "")


def test_the_simulator_declares_it_runs_no_guests_and_forwards_nothing():
    capabilities = SimulatorDriver.capabilities

    assert (capabilities.live_resize, capabilities.forwards_ports, capabilities.real_guests) == (
        False,
        False,
        False,
    )


# -- Hosts ----------------------------------------------------------------------------------------


async def test_hosts_are_named_after_their_zone():
    driver = simulator(zones=("QC-1", "ON-1"), hosts_per_zone=2, host_cpus=16, host_memory_mb=32768)

    hosts = await driver.hosts()

    assert [(host.name, host.zone_name) for host in hosts] == [
        ("sim-qc-1-host-1", "QC-1"),
        ("sim-qc-1-host-2", "QC-1"),
        ("sim-on-1-host-1", "ON-1"),
        ("sim-on-1-host-2", "ON-1"),
    ]
    assert {(host.cpu_count, host.memory_mb) for host in hosts} == {(16, 32768)}


@pytest.mark.parametrize(
    "options",
    [
        {"zones": ()},
        {"zones": ("QC-1", "qc 1")},
        {"zones": ("---",)},
        {"hosts_per_zone": 0},
        {"host_cpus": 0},
        {"host_memory_mb": -1},
    ],
)
def test_an_impossible_layout_is_refused(options):
    with pytest.raises(ValueError):
        simulator(**options)


async def test_create_in_the_wrong_zone_is_refused():
    driver = simulator(zones=("QC-1", "ON-1"))

    with pytest.raises(DriverError, match="zone"):
        await driver.create(machine(1, zone_name="ON-1"))

    assert driver.machine("instance-1") is None


# -- Latency --------------------------------------------------------------------------------------


async def exercise(driver: SimulatorDriver) -> None:
    await driver.create(machine(1))
    await driver.start("instance-1")
    await driver.stop("instance-1")
    await driver.reboot("instance-1")


async def test_instant_never_sleeps_beyond_yielding(monkeypatch):
    recorder = RecordingSleep()
    yielded: list[float] = []
    original_sleep = asyncio.sleep

    async def recording_asyncio_sleep(delay: float, *args: object) -> None:
        yielded.append(delay)
        await original_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", recording_asyncio_sleep)
    driver = simulator(latency=LatencyProfile.INSTANT, sleep=recorder)

    await exercise(driver)

    assert recorder.delays == []
    assert yielded and set(yielded) == {0}


async def test_realistic_takes_the_time_each_operation_takes_on_kvm():
    recorder = RecordingSleep()
    driver = simulator(latency=LatencyProfile.REALISTIC, sleep=recorder)

    await exercise(driver)

    create, start, stop, reboot = recorder.delays
    assert 1 <= create <= 2
    assert 2 <= start <= 4
    assert 1 <= stop <= 2
    assert 3 <= reboot <= 5


async def test_realistic_delays_are_reproducible_with_a_seed():
    first, second, other = RecordingSleep(), RecordingSleep(), RecordingSleep()

    await exercise(simulator(latency=LatencyProfile.REALISTIC, sleep=first, seed=3))
    await exercise(simulator(latency=LatencyProfile.REALISTIC, sleep=second, seed=3))
    await exercise(simulator(latency=LatencyProfile.REALISTIC, sleep=other, seed=4))

    assert first.delays == second.delays != other.delays


async def test_queries_take_no_time_under_realistic():
    recorder = RecordingSleep()
    driver = simulator(latency=LatencyProfile.REALISTIC, sleep=recorder)

    await driver.hosts()
    await driver.power_state("instance-1")

    assert recorder.delays == []


def test_latency_profiles_parse_by_name():
    assert LatencyProfile.parse(" Realistic ") is LatencyProfile.REALISTIC
    assert LatencyProfile.parse("instant") is LatencyProfile.INSTANT
    with pytest.raises(ValueError, match="instant, realistic"):
        LatencyProfile.parse("slow")


# -- Faults ---------------------------------------------------------------------------------------


async def test_a_fault_plan_fails_the_next_calls_then_lets_them_through():
    driver = simulator(fault_plan=FaultPlan(counts={"create": 2}))

    for _ in range(2):
        with pytest.raises(DriverError, match="simulated fault in create of instance-1"):
            await driver.create(machine(1))
    await driver.create(machine(1))

    assert await driver.power_state("instance-1") is PowerState.STOPPED


@pytest.mark.parametrize(("probability", "failures"), [(0.0, 0), (1.0, 20)])
async def test_a_fault_probability_of_zero_or_one_is_exact(probability, failures):
    driver = simulator(fault_plan=FaultPlan(probabilities={"start": probability}))
    await driver.create(machine(1))
    failed = 0

    for _ in range(20):
        try:
            await driver.start("instance-1")
        except DriverError:
            failed += 1

    assert failed == failures


async def fail_pattern(seed: int) -> list[bool]:
    driver = simulator(fault_plan=FaultPlan(probabilities={"stop": 0.5}), seed=seed)
    await driver.create(machine(1))
    pattern = []
    for _ in range(40):
        try:
            await driver.stop("instance-1")
            pattern.append(False)
        except DriverError:
            pattern.append(True)
    return pattern


async def test_fault_probabilities_are_reproducible_with_a_seed():
    pattern = await fail_pattern(11)

    assert pattern == await fail_pattern(11)
    assert any(pattern) and not all(pattern)


def test_fault_plans_parse_counts_and_probabilities():
    plan = FaultPlan.parse("create=2, start=0.25,,destroy=1")

    assert dict(plan.counts) == {"create": 2, "destroy": 1}
    assert dict(plan.probabilities) == {"start": 0.25}
    assert FaultPlan.parse("") == FaultPlan()


@pytest.mark.parametrize("text", ["create", "create=", "create=often", "launch=1", "start=1.5", "stop=-1"])
def test_a_malformed_fault_plan_is_refused(text):
    with pytest.raises(ValueError):
        FaultPlan.parse(text)


async def test_inject_fault_raises_the_given_error_class_or_instance():
    driver = simulator()
    driver.inject_fault("create", error=NoCapacityError)
    driver.inject_fault("create", error=NoCapacityError("the rack is on fire"))

    with pytest.raises(NoCapacityError, match="simulated fault in create"):
        await driver.create(machine(1))
    with pytest.raises(NoCapacityError, match="the rack is on fire"):
        await driver.create(machine(1))
    await driver.create(machine(1))


async def test_inject_fault_counts_calls():
    driver = simulator()
    await driver.create(machine(1))
    driver.inject_fault("reboot", count=3)

    outcomes = []
    for _ in range(4):
        try:
            await driver.reboot("instance-1")
            outcomes.append("ok")
        except DriverError:
            outcomes.append("failed")

    assert outcomes == ["failed", "failed", "failed", "ok"]


def test_inject_fault_refuses_unknown_operations_and_counts():
    driver = simulator()

    with pytest.raises(ValueError, match="known operations"):
        driver.inject_fault("launch")
    with pytest.raises(ValueError):
        driver.inject_fault("create", count=0)
    assert "power_state" not in OPERATIONS


async def test_a_faulted_create_leaves_no_machine_and_no_usage():
    driver = simulator()
    driver.inject_fault("create")

    with pytest.raises(DriverError):
        await driver.create(machine(1, cpu_count=4))

    assert driver.machine("instance-1") is None
    assert driver.host_usage(HOST) == (0, 0)


async def test_a_faulted_start_leaves_the_machine_stopped_and_uses_nothing():
    driver = simulator()
    await driver.create(machine(1, cpu_count=4))
    driver.inject_fault("start")

    with pytest.raises(DriverError):
        await driver.start("instance-1")

    assert driver.machine("instance-1").power_state is PowerState.STOPPED
    assert driver.host_usage(HOST) == (0, 0)
    await driver.start("instance-1")
    assert driver.host_usage(HOST) == (4, 1024)


async def test_a_faulted_stop_or_destroy_keeps_the_usage():
    driver = simulator()
    await driver.create(machine(1, cpu_count=4))
    await driver.start("instance-1")
    driver.inject_fault("stop")
    driver.inject_fault("destroy")

    with pytest.raises(DriverError):
        await driver.stop("instance-1")
    with pytest.raises(DriverError):
        await driver.destroy("instance-1")

    assert driver.machine("instance-1").power_state is PowerState.RUNNING
    assert driver.host_usage(HOST) == (4, 1024)


# -- Consistency checks ---------------------------------------------------------------------------


async def test_a_mac_address_is_never_accepted_twice_whatever_its_case():
    driver = simulator()
    await driver.create(machine(1, nics=(nic(1, mac_address="02:AB:00:00:00:01"),)))

    with pytest.raises(DriverError, match="MAC address"):
        await driver.create(machine(2, nics=(nic(2, mac_address="02:ab:00:00:00:01"),)))

    assert driver.machine("instance-2") is None


async def test_an_ip_address_is_never_accepted_twice_on_one_network():
    driver = simulator()
    await driver.create(machine(1))

    with pytest.raises(DriverError, match=r"IP address 10\.0\.0\.1 on network network-1"):
        await driver.create(machine(2, nics=(nic(2, ip_address="10.0.0.1"),)))


@pytest.mark.parametrize(
    "nics",
    [
        (nic(1), nic(2, network_id="network-2", mac_address=nic(1).mac_address)),
        (nic(1), nic(2, network_id="network-2", nic_id="nic-1")),
        (nic(1), nic(2)),
        (nic(1), nic(2, network_id="network-2")),
        (nic(1, is_default=False),),
        (nic(1, ip_address="192.168.1.5"),),
        (nic(1, cidr="not-a-network"),),
    ],
    ids=["mac-twice", "id-twice", "network-twice", "two-defaults", "no-default", "outside-cidr", "bad-cidr"],
)
async def test_inconsistent_nics_of_one_machine_are_refused(nics):
    driver = simulator()

    with pytest.raises(DriverError):
        await driver.create(machine(1, nics=nics))

    assert driver.machine("instance-1") is None


async def test_a_machine_may_have_no_nic():
    driver = simulator()

    await driver.create(machine(1, nics=()))

    assert driver.machine("instance-1").nics == ()


async def test_a_machine_may_keep_its_own_addresses_when_its_nics_change():
    driver = simulator()
    await driver.create(machine(1))

    await driver.set_nics("instance-1", [nic(1), nic(9, network_id="network-2", is_default=False)])

    assert len(driver.machine("instance-1").nics) == 2


@pytest.mark.parametrize(
    "disks",
    [
        (),
        (DiskSpec("data", 10, False),),
        (DiskSpec("root-a", 10, True), DiskSpec("root-b", 10, True)),
        (DiskSpec("root", 10, True), DiskSpec("root", 10, False)),
        (DiskSpec("root", 0, True),),
    ],
    ids=["none", "no-root", "two-roots", "volume-twice", "empty-root"],
)
async def test_inconsistent_disks_are_refused(disks):
    driver = simulator()

    with pytest.raises(DriverError):
        await driver.create(machine(1, disks=disks))

    assert driver.machine("instance-1") is None


async def test_volumes_only_grow():
    driver = simulator()
    await driver.create(machine(1))

    with pytest.raises(DriverError, match="cannot shrink"):
        await driver.set_disks("instance-1", [DiskSpec("root-1", 10, True, "image")])

    assert driver.machine("instance-1").disks[0].size_gb == 20


@pytest.mark.parametrize(
    "rules",
    [
        [PortForward("r", "ICMP", 22, 22, "10.0.0.1", 22, 22)],
        [PortForward("r", "TCP", 0, 22, "10.0.0.1", 0, 22)],
        [PortForward("r", "TCP", 30, 20, "10.0.0.1", 30, 20)],
        [PortForward("r", "TCP", 2000, 2010, "10.0.0.1", 22, 22)],
        [PortForward("r", "TCP", 22, 22, "not-an-ip", 22, 22)],
        [
            PortForward("r", "TCP", 22, 22, "10.0.0.1", 22, 22),
            PortForward("r", "UDP", 23, 23, "10.0.0.1", 23, 23),
        ],
    ],
    ids=["protocol", "port-zero", "reversed", "widths-differ", "private-ip", "rule-twice"],
)
async def test_invalid_port_forwards_are_refused(rules):
    driver = simulator()

    with pytest.raises(DriverError):
        await driver.set_port_forwarding("203.0.113.5", rules)

    assert driver.port_forwards("203.0.113.5") == ()


async def test_the_same_port_may_be_forwarded_for_tcp_and_udp():
    driver = simulator()
    rules = [
        PortForward("tcp", "TCP", 53, 53, "10.0.0.1", 53, 53),
        PortForward("udp", "udp", 53, 53, "10.0.0.1", 53, 53),
    ]

    await driver.set_port_forwarding("203.0.113.5", rules)

    assert driver.port_forwards("203.0.113.5") == tuple(rules)


async def test_a_public_ip_must_be_an_address():
    with pytest.raises(DriverError):
        await simulator().set_port_forwarding("public-ip-1", [])


async def test_credentials_belong_to_the_default_user():
    driver = simulator()
    await driver.create(machine(1))

    with pytest.raises(DriverError, match="default user is cca-user"):
        await driver.set_password("instance-1", "root", "another-Password")
    with pytest.raises(DriverError, match="default user is cca-user"):
        await driver.set_ssh_key("instance-1", "root", "ssh-ed25519 AAAA root")


# -- Capacity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cpu_count", "memory_mb"), [(9, 1024), (1, 8193)])
async def test_a_machine_larger_than_the_whole_host_is_refused_at_create(cpu_count, memory_mb):
    driver = simulator(host_cpus=8, host_memory_mb=8192)

    with pytest.raises(NoCapacityError, match=f"{HOST} has 8 CPUs and 8192 MB in all"):
        await driver.create(machine(1, cpu_count=cpu_count, memory_mb=memory_mb))

    assert driver.machine("instance-1") is None
    assert driver.host_usage(HOST) == (0, 0)


async def test_a_machine_as_large_as_the_whole_host_is_defined_and_runs():
    driver = simulator(host_cpus=8, host_memory_mb=8192)

    await driver.create(machine(1, cpu_count=8, memory_mb=8192))
    await driver.start("instance-1")

    assert driver.host_usage(HOST) == (8, 8192)


async def test_stopped_machines_may_define_more_than_the_host_has():
    driver = simulator(host_cpus=8, host_memory_mb=8192)

    for number in range(1, 6):
        await driver.create(machine(number, cpu_count=4, memory_mb=4096))

    assert driver.host_usage(HOST) == (0, 0)
    assert [driver.machine(f"instance-{n}").power_state for n in range(1, 6)] == [PowerState.STOPPED] * 5


async def test_a_host_can_be_filled_exactly_by_running_machines_and_no_further():
    driver = simulator(host_cpus=8, host_memory_mb=8192)
    for spec in (
        machine(1, cpu_count=6, memory_mb=4096),
        machine(2, cpu_count=2, memory_mb=4096),
        machine(3),
    ):
        await driver.create(spec)
    await driver.start("instance-1")
    await driver.start("instance-2")

    with pytest.raises(NoCapacityError, match=f"{HOST} has 0 CPUs and 0 MB free"):
        await driver.start("instance-3")

    third = driver.machine("instance-3")
    assert (third.power_state, third.boot_count) == (PowerState.STOPPED, 0)
    assert driver.host_usage(HOST) == (8, 8192)
    await driver.stop("instance-2")
    await driver.start("instance-3")
    assert driver.host_usage(HOST) == (7, 5120)


async def test_hosts_are_counted_separately():
    driver = simulator(host_cpus=8, host_memory_mb=8192)
    await driver.create(machine(1, cpu_count=8))
    await driver.create(machine(2, cpu_count=8, host_name="sim-qc-1-host-2"))

    await driver.start("instance-1")
    await driver.start("instance-2")

    assert driver.host_usage(HOST) == (8, 1024)
    assert driver.host_usage("sim-qc-1-host-2") == (8, 1024)


async def test_capacity_is_checked_when_the_work_ends_so_concurrent_starts_cannot_overbook():
    driver = simulator(host_cpus=8, latency=LatencyProfile.REALISTIC, sleep=RecordingSleep())
    for number in range(1, 5):
        await driver.create(machine(number, cpu_count=3))

    results = await asyncio.gather(
        *(driver.start(f"instance-{number}") for number in range(1, 5)), return_exceptions=True
    )

    assert sum(isinstance(result, NoCapacityError) for result in results) == 2
    assert driver.host_usage(HOST)[0] == 6
    states = [driver.machine(f"instance-{number}").power_state for number in range(1, 5)]
    assert states.count(PowerState.RUNNING) == 2


async def test_concurrent_creates_use_nothing_so_none_is_refused():
    driver = simulator(host_cpus=8, latency=LatencyProfile.REALISTIC, sleep=RecordingSleep())

    await asyncio.gather(*(driver.create(machine(number, cpu_count=3)) for number in range(1, 5)))

    assert driver.host_usage(HOST) == (0, 0)


async def test_destroy_of_a_running_machine_gives_its_size_back():
    driver = simulator()
    await driver.create(machine(1, cpu_count=3, memory_mb=2048))
    await driver.create(machine(2, cpu_count=2, memory_mb=1024))
    await driver.start("instance-1")
    await driver.start("instance-2")

    await driver.destroy("instance-1")

    assert driver.host_usage(HOST) == (2, 1024)
    await driver.stop("instance-2")
    await driver.destroy("instance-2")
    assert driver.host_usage(HOST) == (0, 0)


async def test_a_resize_of_a_running_machine_reaches_it_at_the_next_boot():
    driver = simulator()
    await driver.create(machine(1))
    await driver.start("instance-1")

    await driver.resize("instance-1", 2, 2048)
    assert driver.machine("instance-1").pending_resize
    assert driver.host_usage(HOST) == (2, 2048)

    await driver.reboot("instance-1")
    assert not driver.machine("instance-1").pending_resize


async def test_a_resize_of_a_running_machine_that_does_not_fit_changes_nothing():
    driver = simulator(host_cpus=8, host_memory_mb=8192)
    await driver.create(machine(1, cpu_count=6, memory_mb=4096))
    await driver.create(machine(2, cpu_count=1, memory_mb=1024))
    await driver.start("instance-1")
    await driver.start("instance-2")

    with pytest.raises(NoCapacityError, match="1 CPUs and 3072 MB free, 2 CPUs and 0 MB more"):
        await driver.resize("instance-2", 3, 1024)

    view = driver.machine("instance-2")
    assert (view.cpu_count, view.memory_mb, view.pending_resize) == (1, 1024, False)
    assert driver.host_usage(HOST) == (7, 5120)


async def test_a_resize_of_a_stopped_machine_changes_only_its_definition():
    driver = simulator(host_cpus=8, host_memory_mb=8192)
    await driver.create(machine(1, cpu_count=8, memory_mb=8192))
    await driver.create(machine(2))
    await driver.start("instance-1")

    await driver.resize("instance-2", 4, 4096)

    assert (driver.machine("instance-2").cpu_count, driver.machine("instance-2").memory_mb) == (4, 4096)
    assert driver.host_usage(HOST) == (8, 8192)
    await driver.stop("instance-1")
    await driver.start("instance-2")
    assert driver.host_usage(HOST) == (4, 4096)


@pytest.mark.parametrize(("cpu_count", "memory_mb"), [(9, 1024), (1, 8193)])
async def test_a_resize_larger_than_the_whole_host_is_refused_even_when_stopped(cpu_count, memory_mb):
    driver = simulator(host_cpus=8, host_memory_mb=8192)
    await driver.create(machine(1))

    with pytest.raises(NoCapacityError, match="in all"):
        await driver.resize("instance-1", cpu_count, memory_mb)

    assert (driver.machine("instance-1").cpu_count, driver.machine("instance-1").memory_mb) == (1, 1024)


@pytest.mark.parametrize(("cpu_count", "memory_mb"), [(0, 1024), (1, 0)])
async def test_a_resize_to_nothing_is_refused(cpu_count, memory_mb):
    driver = simulator()
    await driver.create(machine(1))

    with pytest.raises(DriverError):
        await driver.resize("instance-1", cpu_count, memory_mb)


# -- Secrets --------------------------------------------------------------------------------------


async def test_passwords_are_kept_only_as_sha256():
    driver = simulator()
    await driver.create(machine(1, password="s3cret-Password"))
    await driver.set_password("instance-1", "cca-user", "n3w-Secret")
    await driver.create(machine(2, password="0ther-Secret"))

    view = driver.machine("instance-1")
    assert view.password_sha256 == hashlib.sha256(b"n3w-Secret").hexdigest()
    assert view.password_matches("n3w-Secret") and not view.password_matches("s3cret-Password")
    books = repr(vars(driver))
    for secret in ("s3cret-Password", "n3w-Secret", "0ther-Secret"):
        assert secret not in books


async def test_a_machine_created_without_password_matches_none():
    driver = simulator()

    await driver.create(machine(1, password=None))

    assert not driver.machine("instance-1").password_matches("")


async def test_a_retried_create_may_bring_a_new_password_which_wins():
    driver = simulator()
    await driver.create(machine(1, password="first-Password"))

    await driver.create(machine(1, password="second-Password"))

    assert driver.machine("instance-1").password_matches("second-Password")


async def test_a_retried_create_with_another_size_is_not_the_same_create():
    driver = simulator()
    await driver.create(machine(1))

    with pytest.raises(DriverError, match="different spec"):
        await driver.create(machine(1, cpu_count=2))


# -- Adopt after a restart ------------------------------------------------------------------------


async def test_adopt_rebuilds_machines_and_their_power_states():
    driver = simulator()

    await driver.adopt(
        [
            KnownMachine("instance-1", HOST, PowerState.RUNNING),
            KnownMachine("instance-2", "sim-qc-1-host-2", PowerState.STOPPED),
        ]
    )

    first, second = driver.machine("instance-1"), driver.machine("instance-2")
    assert (first.power_state, first.host_name, first.adopted) == (PowerState.RUNNING, HOST, True)
    assert (second.power_state, second.details_known) == (PowerState.STOPPED, False)


async def test_adopt_rebuilds_host_usage_from_the_machines_adopted_as_running():
    driver = simulator()

    await driver.adopt(
        [
            KnownMachine("instance-1", HOST, PowerState.RUNNING, cpu_count=3, memory_mb=2048),
            KnownMachine("instance-2", HOST, PowerState.STOPPED, cpu_count=2, memory_mb=1024),
        ]
    )

    assert driver.host_usage(HOST) == (3, 2048)
    second = driver.machine("instance-2")
    assert (second.cpu_count, second.memory_mb) == (2, 1024)
    await driver.start("instance-2")
    assert driver.host_usage(HOST) == (5, 3072)
    await driver.destroy("instance-1")
    assert driver.host_usage(HOST) == (2, 1024)
    await driver.stop("instance-2")
    assert driver.host_usage(HOST) == (0, 0)


async def test_adopt_records_what_runs_even_beyond_the_hosts_capacity():
    driver = simulator(host_cpus=8, host_memory_mb=8192)

    await driver.adopt(
        [
            KnownMachine("instance-1", HOST, PowerState.RUNNING, cpu_count=6, memory_mb=4096),
            KnownMachine("instance-2", HOST, PowerState.RUNNING, cpu_count=6, memory_mb=4096),
        ]
    )

    assert driver.host_usage(HOST) == (12, 8192)
    await driver.create(machine(3))
    with pytest.raises(NoCapacityError):
        await driver.start("instance-3")


async def test_a_machine_adopted_without_its_size_uses_nothing():
    driver = simulator()

    await driver.adopt([KnownMachine("instance-1", HOST, PowerState.RUNNING)])

    assert driver.host_usage(HOST) == (0, 0)
    await driver.stop("instance-1")
    assert driver.host_usage(HOST) == (0, 0)


async def test_adopt_refuses_a_negative_size_whole():
    driver = simulator()

    with pytest.raises(DriverError, match="cannot be negative"):
        await driver.adopt(
            [
                KnownMachine("instance-1", HOST, PowerState.RUNNING, cpu_count=2, memory_mb=1024),
                KnownMachine("instance-2", HOST, PowerState.RUNNING, cpu_count=-1, memory_mb=1024),
            ]
        )

    assert driver.machine("instance-1") is None
    assert driver.host_usage(HOST) == (0, 0)


@pytest.mark.parametrize(
    "known",
    [
        [KnownMachine("instance-1", "sim-qc-1-host-9", PowerState.RUNNING)],
        [
            KnownMachine("instance-1", HOST, PowerState.RUNNING),
            KnownMachine("instance-1", HOST, PowerState.STOPPED),
        ],
    ],
    ids=["unknown-host", "listed-twice"],
)
async def test_an_impossible_adoption_is_refused_whole(known):
    driver = simulator()

    with pytest.raises(DriverError):
        await driver.adopt([KnownMachine("instance-0", HOST, PowerState.STOPPED), *known])

    assert driver.machine("instance-0") is None


async def test_adopt_refuses_a_machine_the_simulator_has_on_another_host():
    driver = simulator()
    await driver.create(machine(1))

    with pytest.raises(DriverError, match="is on host"):
        await driver.adopt([KnownMachine("instance-1", "sim-qc-1-host-2", PowerState.STOPPED)])


async def test_a_retried_create_fills_in_an_adopted_machine_and_keeps_its_power_state():
    driver = simulator()
    await driver.adopt([KnownMachine("instance-1", HOST, PowerState.RUNNING)])

    await driver.create(machine(1, cpu_count=2))

    view = driver.machine("instance-1")
    assert (view.details_known, view.power_state, view.cpu_count) == (True, PowerState.RUNNING, 2)
    assert driver.host_usage(HOST) == (2, 1024)
    with pytest.raises(DriverError, match="MAC address"):
        await driver.create(machine(2, nics=(nic(2, mac_address=nic(1).mac_address),)))


async def test_a_retried_create_of_an_adopted_stopped_machine_uses_nothing():
    driver = simulator()
    await driver.adopt([KnownMachine("instance-1", HOST, PowerState.STOPPED, cpu_count=1, memory_mb=512)])

    await driver.create(machine(1, cpu_count=2))

    view = driver.machine("instance-1")
    assert (view.power_state, view.cpu_count, view.memory_mb) == (PowerState.STOPPED, 2, 1024)
    assert driver.host_usage(HOST) == (0, 0)


async def test_a_retried_create_that_would_overbook_an_adopted_running_machine_changes_nothing():
    driver = simulator(host_cpus=8, host_memory_mb=8192)
    await driver.adopt(
        [
            KnownMachine("instance-1", HOST, PowerState.RUNNING, cpu_count=1, memory_mb=1024),
            KnownMachine("instance-9", HOST, PowerState.RUNNING, cpu_count=6, memory_mb=1024),
        ]
    )

    with pytest.raises(NoCapacityError):
        await driver.create(machine(1, cpu_count=3))

    view = driver.machine("instance-1")
    assert (view.details_known, view.cpu_count) == (False, 1)
    assert driver.host_usage(HOST) == (7, 2048)


# -- close ----------------------------------------------------------------------------------------


async def test_a_closed_driver_refuses_work():
    driver = simulator()
    await driver.create(machine(1))

    await driver.close()
    await driver.close()

    with pytest.raises(DriverError, match="closed"):
        await driver.start("instance-1")
    with pytest.raises(DriverError, match="closed"):
        await driver.power_state("instance-1")


async def test_shared_simulator_leaves_cross_machine_checks_to_the_database() -> None:
    """Several processes each run a simulator over the same hosts: one process's books miss the
    others' machines, so a shared simulator must not refuse what only a full view could judge."""
    from cloudca.server.drivers.base import DiskSpec, MachineSpec, NicSpec
    from cloudca.server.drivers.simulator import SimulatorDriver

    def spec(instance_id: str, mac: str) -> MachineSpec:
        return MachineSpec(
            instance_id=instance_id,
            name=instance_id,
            hostname=instance_id,
            host_name="sim-qc-1-host-1",
            zone_name="QC-1",
            cpu_count=2,
            memory_mb=1024,
            template_id="t",
            username="cca-user",
            nics=(NicSpec(f"nic-{instance_id}", mac, "10.0.0.5", "net", "10.0.0.0/24", "10.0.0.1", True),),
            disks=(DiskSpec(f"root-{instance_id}", 10, True),),
        )

    alone = SimulatorDriver(hosts_per_zone=1, host_cpus=2)
    await alone.create(spec("a", "02:00:00:00:00:01"))
    with pytest.raises(DriverError):
        await alone.create(spec("b", "02:00:00:00:00:01"))

    shared = SimulatorDriver(hosts_per_zone=1, host_cpus=2, shared=True)
    await shared.create(spec("a", "02:00:00:00:00:01"))
    await shared.create(spec("b", "02:00:00:00:00:01"))  # a stale copy of another process's machine
    await shared.start("a")
    await shared.start("b")  # the database, not this process's books, reserved the capacity
    assert await shared.power_state("b") is not None
