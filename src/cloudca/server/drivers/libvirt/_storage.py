"""Files of the libvirt driver: template images, root disks (qcow2 overlays), volumes, machine directories.

Layout under the state directory (every directory traversable by the hypervisor's user):

    machines/<instance id>/root.qcow2   the root disk: an overlay whose backing file is the image
    machines/<instance id>/seed.iso     the NoCloud seed
    machines/<instance id>/console.log  the serial console
    volumes/<volume id>.qcow2           data volumes, which outlive the machines they are attached to
    snapshots/<snapshot id>.qcow2       snapshots: full copies, which outlive their volumes (_volumes.py)

An image is a directory holding ``image.json`` (what ``scripts/guest-image`` and
``cloudca templates import`` write: optional ``kernel``, ``initrd``, ``cmdline``, and ``disk``) or
a bare ``.qcow2`` file.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from cloudca.server.drivers.base import DriverError

from ._tools import run_tool
from ._xml import BootImage

#: What the hypervisor's user needs on our directories: traverse, not list.
_TRAVERSABLE = 0o711


@dataclass(frozen=True)
class Image:
    boot: BootImage
    #: The qcow2 (or raw) file root disks are overlays of; empty for a kernel-only image.
    disk: str
    disk_format: str = "qcow2"


def read_image(location: Path) -> Image:
    """The image at ``location`` (a directory with image.json, or a disk file)."""
    if location.is_dir():
        manifest_path = location / "image.json"
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise DriverError(f"image {location} has no readable image.json") from exc

        def path(key: str) -> str:
            return str((location / manifest[key]).resolve()) if manifest.get(key) else ""

        boot = BootImage(
            kernel=path("kernel"), initrd=path("initrd"), cmdline=str(manifest.get("cmdline", ""))
        )
        return Image(boot=boot, disk=path("disk"), disk_format=str(manifest.get("disk_format", "qcow2")))
    if location.is_file():
        return Image(boot=BootImage(), disk=str(location.resolve()), disk_format="qcow2")
    raise DriverError(f"no image at {location}")


class Storage:
    def __init__(self, state_dir: Path, image_dir: Path, default_image: str) -> None:
        self.state_dir = state_dir
        self.image_dir = image_dir
        self.default_image = default_image

    def prepare(self) -> None:
        for directory in (
            self.state_dir,
            self.state_dir / "machines",
            self.state_dir / "volumes",
            self.state_dir / "snapshots",
        ):
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(_TRAVERSABLE)

    def machine_dir(self, instance_id: str) -> Path:
        return self.state_dir / "machines" / instance_id

    def volume_path(self, volume_id: str) -> Path:
        return self.state_dir / "volumes" / f"{volume_id}.qcow2"

    def snapshot_path(self, snapshot_id: str) -> Path:
        return self.state_dir / "snapshots" / f"{snapshot_id}.qcow2"

    def image(self, image_location: str) -> Image:
        """The image of a template: its location (absolute, or a name in the image directory), else
        the default image."""
        for candidate in (image_location, self.default_image):
            if not candidate:
                continue
            path = Path(candidate)
            if not path.is_absolute():
                path = self.image_dir / candidate
            if path.exists():
                return read_image(path)
        raise DriverError(
            f"no image for template location {image_location!r} in {self.image_dir} and no default image "
            "(import one with `cloudca templates import`, or set CLOUDCA_LIBVIRT_DEFAULT_IMAGE)"
        )

    async def make_machine_dir(self, instance_id: str) -> Path:
        directory = self.machine_dir(instance_id)
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        directory.chmod(_TRAVERSABLE)
        return directory

    async def remove_machine_dir(self, instance_id: str) -> None:
        await asyncio.to_thread(shutil.rmtree, self.machine_dir(instance_id), True)

    async def make_root_disk(self, path: Path, image: Image, size_gb: int) -> None:
        """A qcow2 overlay of the image's disk (or an empty disk) of ``size_gb``, unless it exists."""
        if await asyncio.to_thread(path.exists):
            return
        arguments = ["create", "-q", "-f", "qcow2"]
        if image.disk:
            arguments += ["-b", image.disk, "-F", image.disk_format]
        size = f"{size_gb}G"
        if image.disk:
            # An overlay cannot be smaller than its backing file; qemu-img refuses a shrink.
            virtual = await self._virtual_size(Path(image.disk))
            size = str(max(virtual, size_gb * 1024**3))
        await qemu_img(*arguments, str(path), size)

    async def ensure_volume(self, volume_id: str, size_gb: int) -> Path:
        """The volume's file, made or grown to ``size_gb`` (volumes only grow)."""
        path = self.volume_path(volume_id)
        if not path.exists():
            await qemu_img("create", "-q", "-f", "qcow2", str(path), f"{size_gb}G")
        elif await self._virtual_size(path) < size_gb * 1024**3:
            await qemu_img("resize", "-q", str(path), f"{size_gb}G")
        return path

    async def _virtual_size(self, path: Path) -> int:
        info = json.loads(await qemu_img("info", "--output=json", "-U", str(path)))
        return int(info["virtual-size"])


async def qemu_img(*arguments: str) -> str:
    """Run ``qemu-img``; its failures are driver errors."""
    return await run_tool(f"qemu-img {arguments[0]}", ["qemu-img", *arguments], seconds=120)
