"""Snapshot and revert times of a full data volume, through the libvirt driver's storage methods.

    .venv/bin/python -m bench.disk_snapshot [--size-gb 1] [--runs 3]
    .venv/bin/python -m bench.disk_snapshot --uri qemu:///system --image DIR   # the disk in use

A data volume of ``--size-gb`` is filled with data (every byte written, the worst case: a
snapshot copies what the volume holds, not its virtual size), then each run takes a snapshot,
overwrites the volume's first MiB, reverts, and checks that the first MiB is the snapshot's again.

Without ``--uri`` the volume is detached (libvirt's test URI, no hypervisor): ``qemu-img`` copies
it, the path a stopped machine's disk takes too. With ``--uri`` (a libvirtd that runs QEMU) and
``--image`` (e.g. ``scripts/guest-image``'s directory) the volume is attached to a running machine
(no NIC) and the snapshot is QEMU's backup job under a live guest; the revert, which needs the
disk idle, runs with the machine stopped (the stop is not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from cloudca.server.drivers.base import DiskSpec, MachineSpec
from cloudca.server.drivers.libvirt import LibvirtDriver

GIB = 1024**3
VOLUME = "bench-volume"
MACHINE = "bench-machine"


def _io(path: Path, command: str) -> str:
    result = subprocess.run(
        ["qemu-io", "-f", "qcow2", "-c", command, str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout


def _holds(path: Path, pattern: str) -> bool:
    """Whether the volume's first MiB is ``pattern`` (qemu-io says so on a mismatch)."""
    return "verification failed" not in _io(path, f"read -P {pattern} 0 1M")


def _prepare(root: Path) -> Path:
    root.chmod(0o755)  # QEMU, not root, opens the disks under it.
    (root / "images").mkdir()
    return root


async def _machine(driver: LibvirtDriver, size_gb: int, image: str) -> None:
    host = (await driver.hosts())[0]
    disks = (DiskSpec("bench-root", 1, True, image), DiskSpec(VOLUME, size_gb, False))
    spec = MachineSpec(MACHINE, MACHINE, MACHINE, host.name, "QC-1", 1, 256, "t", "cca-user", (), disks)
    await driver.create(spec)


async def measure(size_gb: int, runs: int, uri: str, image: str) -> None:
    with tempfile.TemporaryDirectory(prefix="cloudca-bench-disks-", dir="/var/tmp") as directory:
        root = _prepare(Path(directory))
        driver = LibvirtDriver(
            uri=uri, zone_name="QC-1", state_dir=root / "state", image_dir=root / "images", shutdown_timeout=5
        )
        await driver.set_volume(VOLUME, size_gb)
        path = root / "state" / "volumes" / f"{VOLUME}.qcow2"
        started = time.perf_counter()
        _io(path, f"write -P 0x5a 0 {size_gb}G")
        print(f"filled {size_gb} GiB in {time.perf_counter() - started:.1f} s")
        live = uri != "test:///default"
        if live:
            await _machine(driver, size_gb, image)
        snapshots, reverts = [], []
        try:
            for run in range(runs):
                if live:
                    await driver.start(MACHINE)
                started = time.perf_counter()
                size = await driver.snapshot_volume(VOLUME, f"snapshot-{run}")
                snapshots.append(time.perf_counter() - started)
                if live:
                    await driver.stop(MACHINE)
                _io(path, "write -P 0x11 0 1M")
                assert _holds(path, "0x11"), "the overwrite did not reach the volume"
                started = time.perf_counter()
                await driver.revert_volume(VOLUME, f"snapshot-{run}")
                reverts.append(time.perf_counter() - started)
                assert _holds(path, "0x5a"), "the revert did not bring the snapshot's data back"
                took = f"snapshot {snapshots[-1]:.2f} s ({size / GIB:.2f} GiB), revert {reverts[-1]:.2f} s"
                print(f"run {run + 1}: {took}")
                await driver.delete_snapshot(f"snapshot-{run}")
        finally:
            if live:
                await driver.destroy(MACHINE)
            await driver.delete_volume(VOLUME)
            await driver.close()
        mode = "in use by a running machine" if live else "detached"
        medians = f"snapshot {statistics.median(snapshots):.2f} s, revert {statistics.median(reverts):.2f} s"
        print(f"{size_gb} GiB volume, {mode}, {runs} runs, medians: {medians}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--uri", default="test:///default", help="a libvirtd that runs QEMU: the disk in use")
    parser.add_argument("--image", default="", help="the machine's image (with --uri)")
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.size_gb, arguments.runs, arguments.uri, arguments.image))


if __name__ == "__main__":
    main()
