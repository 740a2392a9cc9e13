"""cloudca's record of a machine, kept inside its libvirt domain (``<metadata>``), and the domain it defines.

The record is the machine's spec as the control plane last gave it (never the password, only its
hash), so the driver keeps no state of its own: after a restart, libvirt still knows everything.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cloudca.server.drivers.base import DiskSpec, MachineSpec, NicSpec

from ._storage import Image
from ._xml import DomainConfig, DomainDisk, DomainInterface, domain_name, network_name

_UUID_NAMESPACE = uuid.UUID("6d1f6a52-57a5-4c0e-9f4c-4e8d2b0a9c11")


@dataclass(frozen=True)
class MachineRecord:
    spec: MachineSpec  # with password=None
    password_hash: str | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"spec": dataclasses.asdict(self.spec), "password_hash": self.password_hash}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MachineRecord:
        raw = dict(data["spec"])
        raw["nics"] = tuple(NicSpec(**nic) for nic in raw["nics"])
        raw["disks"] = tuple(DiskSpec(**disk) for disk in raw["disks"])
        return cls(spec=MachineSpec(**raw), password_hash=data.get("password_hash"))

    @classmethod
    def parse(cls, text: str) -> MachineRecord:
        return cls.from_json(json.loads(text))

    def with_spec(self, **changes: Any) -> MachineRecord:
        return replace(self, spec=replace(self.spec, **changes))


def domain_uuid(instance_id: str) -> str:
    """The domain's UUID: the instance id when it is one, else derived from it (stable, so a
    redefinition updates the same domain)."""
    try:
        return str(uuid.UUID(instance_id))
    except ValueError:
        return str(uuid.uuid5(_UUID_NAMESPACE, instance_id))


def _target(index: int) -> str:
    return "vd" + "abcdefghijklmnopqrstuvwxyz"[index]


def domain_config(
    record: MachineRecord,
    *,
    image: Image,
    machine_dir: Path,
    volume_paths: dict[str, Path],
    virt_type: str,
    tb_cache_mb: int,
) -> DomainConfig:
    """The domain a record defines: root disk first, then data volumes, the seed last."""
    spec = record.spec
    disks: list[DomainDisk] = []
    for disk in sorted(spec.disks, key=lambda disk: not disk.is_root):
        path = machine_dir / "root.qcow2" if disk.is_root else volume_paths[disk.volume_id]
        disks.append(DomainDisk(path=str(path), target=_target(len(disks)), serial=disk.volume_id[:20]))
    disks.append(
        DomainDisk(
            path=str(machine_dir / "seed.iso"), target=_target(len(disks)), format="raw", read_only=True
        )
    )
    nics = sorted(spec.nics, key=lambda nic: not nic.is_default)
    return DomainConfig(
        name=domain_name(spec.instance_id),
        uuid=domain_uuid(spec.instance_id),
        title=spec.name,
        virt_type=virt_type,
        cpu_count=spec.cpu_count,
        memory_mb=spec.memory_mb,
        boot=image.boot,
        disks=tuple(disks),
        interfaces=tuple(DomainInterface(nic.mac_address, network_name(nic.network_id)) for nic in nics),
        console_log=str(machine_dir / "console.log"),
        metadata=record.to_json(),
        tb_cache_mb=tb_cache_mb,
    )
