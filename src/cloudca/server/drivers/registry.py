"""Which compute driver a server runs: ``create_driver(settings)`` builds the one ``settings.driver`` names.

Drivers with optional dependencies are imported inside their factory, so that the base install
works without them and only choosing such a driver needs its extra.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cloudca.server.config import Settings
from cloudca.server.drivers.base import ComputeDriver


def _simulator(settings: Settings) -> ComputeDriver:
    from cloudca.server.drivers.simulator import FaultPlan, LatencyProfile, SimulatorDriver

    faults = settings.simulator_faults.strip()
    seed = settings.simulator_seed.strip()
    return SimulatorDriver(
        zones=[zone.strip() for zone in settings.zones.split(",") if zone.strip()],
        hosts_per_zone=settings.simulator_hosts_per_zone,
        host_cpus=settings.simulator_host_cpus,
        host_memory_mb=settings.simulator_host_memory_mb,
        latency=LatencyProfile.parse(settings.simulator_latency),
        fault_plan=FaultPlan.parse(faults) if faults else None,
        seed=int(seed) if seed else None,
        # On SQLite the server is one process and its simulator sees every machine; on PostgreSQL
        # several processes may each run one.
        shared=not settings.is_sqlite,
    )


def _libvirt(settings: Settings) -> ComputeDriver:
    try:
        from cloudca.server.drivers.libvirt import LibvirtDriver
    except ImportError as exc:
        raise ValueError("the libvirt driver needs libvirt-python: pip install 'cloudca[libvirt]'") from exc
    zones = [zone.strip() for zone in settings.zones.split(",") if zone.strip()]
    if not zones:
        raise ValueError("the libvirt driver needs a zone")

    def host(uri: str, host_name: str, state_dir: Path) -> LibvirtDriver:
        return LibvirtDriver(
            uri=uri,
            zone_name=zones[0],
            state_dir=state_dir,
            image_dir=Path(settings.libvirt_image_dir),
            default_image=settings.libvirt_default_image,
            virt_type=settings.libvirt_virt_type,
            host_name=host_name,
            shutdown_timeout=float(settings.libvirt_shutdown_timeout_seconds),
            nft_command=settings.libvirt_nft_command.split(),
            dhcp_release_command=settings.libvirt_dhcp_release_command.split(),
            cpu_overcommit=settings.libvirt_cpu_overcommit,
        )

    if not settings.libvirt_hosts.strip():
        return host(settings.libvirt_uri, settings.libvirt_host_name, Path(settings.libvirt_state_dir))
    from cloudca.server.drivers.libvirt._hosts import LibvirtHosts, parse_hosts

    return LibvirtHosts(
        {
            name: host(uri, name, Path(settings.libvirt_state_dir) / name)
            for name, uri in parse_hosts(settings.libvirt_hosts).items()
        }
    )


_FACTORIES: dict[str, Callable[[Settings], ComputeDriver]] = {
    "libvirt": _libvirt,
    "simulator": _simulator,
}


def known_drivers() -> tuple[str, ...]:
    """The names ``settings.driver`` may take."""
    return tuple(sorted(_FACTORIES))


def create_driver(settings: Settings) -> ComputeDriver:
    """The driver ``settings.driver`` names, configured from ``settings``.

    Raises ``ValueError`` naming the known drivers when the name is unknown, and when the driver's
    settings are invalid (an unknown latency profile, a malformed fault plan, no zones...).
    """
    factory = _FACTORIES.get(settings.driver.strip().lower())
    if factory is None:
        raise ValueError(f"unknown driver {settings.driver!r}; known drivers: {', '.join(known_drivers())}")
    return factory(settings)
