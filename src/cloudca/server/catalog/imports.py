"""``cloudca templates import``: a local disk image becomes a public template of the installation.

An image is a qcow2 disk file, such as a Debian or Ubuntu generic cloud image, or a
directory holding ``image.json`` (``scripts/guest-image`` writes one) that names a ``kernel``, an
``initrd``, their ``cmdline`` and optionally a ``disk``. The image is copied into the libvirt
image directory under the template's id, so the template never depends on the file it came from
(root disks are overlays whose backing file must stay), and the template's ``image_location``
names the copy. Its size is the disk's virtual size; it is available in every zone.

Runs against the database directly (like ``cloudca worker --migrate-only``), on an installation
that has started once (the catalogue exists). With SQLite the server must be stopped: one process
owns the database.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from cloudca.server.catalog.models import Template, Zone
from cloudca.server.db.engine import Database

GIB = 1024**3


class ImportRefused(ValueError):
    """The image or the installation cannot take the import; the message says why."""


@dataclass(frozen=True)
class TemplateImport:
    name: str
    source: Path
    description: str = ""
    os_type: str = "Other (64-bit)"
    username: str = ""
    password_enabled: bool = True
    ssh_key_enabled: bool = True


@dataclass(frozen=True)
class ImportedTemplate:
    template_id: str
    image_location: str
    size_bytes: int


def _virtual_size(disk: Path, expected: str = "qcow2") -> int:
    """The disk's virtual size in bytes, as ``qemu-img`` reads it; refused unless in ``expected``
    format (any file reads as raw, so raw is taken only where image.json says so)."""
    try:
        result = subprocess.run(  # noqa: S603 - a system tool with a path of the caller's
            ["qemu-img", "info", "--output=json", str(disk)],  # noqa: S607 - found on PATH
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ImportRefused(f"qemu-img cannot read {disk}: {exc}") from exc
    info = json.loads(result.stdout)
    if info.get("format") != expected:
        raise ImportRefused(
            f"{disk} is not a {expected} image (qemu-img reads {info.get('format')}); "
            f"convert it: qemu-img convert -O qcow2 {disk} image.qcow2"
        )
    return int(info["virtual-size"])


def inspect(source: Path) -> tuple[int, str]:
    """Check the image at ``source``; returns its size in bytes and its default user ('' if unsaid)."""
    if source.is_file():
        return _virtual_size(source), ""
    manifest_path = source / "image.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise ImportRefused(f"{source} is neither a disk image nor a directory with image.json") from exc
    if not manifest.get("kernel") and not manifest.get("disk"):
        raise ImportRefused(f"{manifest_path} names neither a kernel nor a disk")
    for key in ("kernel", "initrd", "disk"):
        if manifest.get(key) and not (source / manifest[key]).is_file():
            raise ImportRefused(f"{manifest_path}: its {key} {manifest[key]} is missing")
    disk_format = str(manifest.get("disk_format", "qcow2"))
    size = _virtual_size(source / manifest["disk"], disk_format) if manifest.get("disk") else GIB
    return size, str(manifest.get("username", ""))


def _copy(source: Path, image_dir: Path, template_id: str) -> str:
    """Copy the image into ``image_dir``; returns its location relative to it."""
    image_dir.mkdir(parents=True, exist_ok=True)
    image_dir.chmod(0o755)  # The hypervisor's user reads images (never secrets: none are in them).
    if source.is_file():
        location = f"{template_id}{source.suffix or '.qcow2'}"
        shutil.copyfile(source, image_dir / location)
    else:
        location = template_id
        shutil.copytree(source, image_dir / location)
    return location


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


async def import_template(database: Database, image_dir: Path, request: TemplateImport) -> ImportedTemplate:
    """Copy the image and record its template; a refusal leaves neither behind."""
    source = request.source.resolve()
    size_bytes, image_username = await asyncio.to_thread(inspect, source)
    async with database.session() as session:
        connection_id = (
            await session.execute(select(Zone.service_connection_id).limit(1))
        ).scalar_one_or_none()
        taken = await session.execute(select(Template.id).where(Template.name == request.name))
        if connection_id is None:
            raise ImportRefused("the installation has no catalogue yet: start `cloudca serve` once first")
        if taken.first() is not None:
            raise ImportRefused(f"a template named {request.name!r} exists already")
    template_id = str(uuid.uuid4())
    location = await asyncio.to_thread(_copy, source, image_dir, template_id)
    try:
        async with database.transaction() as session:
            zone_ids = list((await session.execute(select(Zone.id).order_by(Zone.name))).scalars())
            last = (await session.execute(select(func.max(Template.position)))).scalar_one()
            session.add(
                Template(
                    id=template_id,
                    service_connection_id=connection_id,
                    name=request.name,
                    description=request.description or request.name,
                    size_bytes=size_bytes,
                    password_enabled=request.password_enabled,
                    ssh_key_enabled=request.ssh_key_enabled,
                    resizable=True,
                    os_type=request.os_type,
                    username=request.username or image_username or "cca-user",
                    zone_ids=zone_ids,
                    image_location=location,
                    position=(last or 0) + 1,
                )
            )
    except BaseException:
        await asyncio.to_thread(_remove, image_dir / location)
        raise
    return ImportedTemplate(template_id, location, size_bytes)
