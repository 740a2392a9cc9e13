"""One settings object for the whole server, read from arguments and ``CLOUDCA_*`` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


def _env(name: str) -> str | None:
    value = os.environ.get(f"CLOUDCA_{name}")
    return value if value not in (None, "") else None


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told. Every field has a ``CLOUDCA_<FIELD>`` variable."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    #: SQLAlchemy async URL; empty means SQLite in ``data_dir``.
    database_url: str = ""
    #: PostgreSQL: pooled connections per process (as many again may overflow under load).
    database_pool_size: int = 10
    driver: str = "simulator"
    #: Seeds the first admin key of a new server; never stored in clear.
    api_key: str | None = field(default=None, repr=False)
    #: First-start seed: service code, environment name, organization entry point.
    service_code: str = "compute-qc"
    environment_name: str = "prod"
    organization_name: str = "cloudca"
    admin_username: str = "admin"
    #: Zones of the service connection, comma-separated (first start only).
    zones: str = "QC-1"
    #: How long a finished task stays retrievable, in seconds (the contract asks for >= 30 minutes).
    task_retention_seconds: int = 1800
    #: Internal timeout that fails a task which runs too long (clients poll forever).
    task_timeout_seconds: int = 600
    #: How long a claimed task's lease lasts before another process may take it over.
    task_lease_seconds: int = 60
    #: When a task's rollback fails, how many times it is tried, and the first pause between
    #: tries (doubled after each); then the entity is left in a stable, truthful state.
    task_repair_attempts: int = 5
    task_repair_backoff_seconds: float = 1.0
    #: A stopping process finishes its queued and running tasks for at most this long.
    task_drain_seconds: float = 30.0
    #: Concurrent task executions per process.
    task_workers: int = 16
    #: With a driver whose operations complete at once (``Capabilities.instant``: the simulator's
    #: ``instant`` profile), run each instance task in the request that accepted it, after its
    #: rows have committed, instead of on a worker (same rows, states and wire; fewer hops).
    task_inline: bool = True
    #: API requests worked on at once per process; more wait their turn in arrival order
    #: (``api.admission``). Long-polls and the lean lane's reads are not counted. 0: unbounded.
    max_active_requests: int = 16
    #: Requests waiting for a turn past which a newcomer gets 503 ``SERVICE_UNAVAILABLE`` at once.
    max_waiting_requests: int = 1024
    #: Simulator: latency profile (``instant`` or ``realistic``) and host layout.
    simulator_latency: str = "instant"
    simulator_hosts_per_zone: int = 4
    simulator_host_cpus: int = 64
    simulator_host_memory_mb: int = 262144
    #: Simulator fault plan, e.g. ``create=1,start=0.1`` (fail the next create; 10% of starts).
    simulator_faults: str = ""
    #: Seed of the simulator's random choices (latencies, probabilistic faults); empty: random.
    simulator_seed: str = ""
    #: Key that encrypts the passwords in task results; empty: beside the SQLite database, or in
    #: the PostgreSQL database (see ``tasks.sealing``).
    secret_key_file: str = ""
    #: libvirt driver: connection URI, ``auto``/``kvm``/``qemu`` (auto uses KVM only where hardware
    #: virtualisation works), where machines' files and template images live, the image used by
    #: templates without one of their own, the host's name (empty: libvirt's), how long a guest
    #: gets to stop after the ACPI power button, and the nft command (may be prefixed).
    libvirt_uri: str = "qemu:///system"
    libvirt_virt_type: str = "auto"
    libvirt_state_dir: str = "/var/lib/cloudca/libvirt"
    libvirt_image_dir: str = "/var/lib/cloudca/images"
    libvirt_default_image: str = ""
    libvirt_host_name: str = ""
    libvirt_shutdown_timeout_seconds: int = 30
    libvirt_nft_command: str = "nft"
    #: Ends a removed NIC's DHCP lease at once (dnsmasq-utils), so its address can go to a new NIC;
    #: empty: leases only expire.
    libvirt_dhcp_release_command: str = "dhcp_release"
    #: vCPUs the libvirt host offers per physical CPU: a real host time-shares its cores, so the
    #: control plane may place more vCPUs than it has (memory is never overcommitted).
    libvirt_cpu_overcommit: float = 4.0
    #: Several libvirt hosts, ``name=uri,name=uri`` (``qemu+ssh://...``, ``qemu+tls://...``, local
    #: sockets); empty: the one host ``libvirt_uri`` (named ``libvirt_host_name``).
    libvirt_hosts: str = ""
    #: Drift: how often every machine is compared with the database, in seconds (a safety net
    #: under the driver's events; 0: events only; negative: no drift monitor at all).
    drift_sweep_seconds: float = 15.0
    #: Reconcile: how often every idle instance's NICs, disks and public IP rules are pushed to
    #: the backend again from the database, in seconds (0 or less: never). Only for drivers that
    #: apply them for real (libvirt); see ``instances.reconcile_pass``.
    reconcile_sweep_seconds: float = 300.0
    #: Public IP pools, one CIDR per zone in order, comma-separated (first start only); empty:
    #: documentation ranges. Real instances need addresses this host owns (e.g. ``127.0.1.0/24``).
    public_ip_pools: str = ""
    log_level: str = "info"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'cloudca.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with every non-``None`` override applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ``CLOUDCA_*`` variables, then explicit overrides (command-line options)."""
        values: dict[str, Any] = {}
        for name, fld in cls.__dataclass_fields__.items():
            raw = _env(name.upper())
            if raw is None:
                continue
            default = fld.default
            if isinstance(default, bool):
                values[name] = raw.lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                values[name] = int(raw)
            elif isinstance(default, float):
                values[name] = float(raw)
            elif isinstance(default, Path):
                values[name] = Path(raw)
            else:
                values[name] = raw
        return cls(**values).with_overrides(**overrides)
