"""Snapshot and revert times of a full data volume, through the libvirt driver's storage methods.

    .venv/bin/python -m bench.disk_snapshot [--size-gb 1] [--runs 3]

A detached volume of ``--size-gb`` is filled with data (every byte written, the worst case: a
snapshot copies what the volume holds, not its virtual size), then each run takes a snapshot,
overwrites the volume's first MiB, reverts, and checks that the first MiB is the snapshot's again.
Needs libvirt-python and qemu-utils (no hypervisor: libvirt's test URI; no guest: a detached
volume is copied by ``qemu-img``, the path a stopped machine's disk takes too). A running guest's
disk goes through QEMU's backup job instead, which this does not measure.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from cloudca.server.drivers.libvirt import LibvirtDriver

GIB = 1024**3


def _io(path: Path, command: str) -> str:
    result = subprocess.run(
        ["qemu-io", "-f", "qcow2", "-c", command, str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout


def _holds(path: Path, pattern: str) -> bool:
    """Whether the volume's first MiB is ``pattern`` (qemu-io says so on a mismatch)."""
    return "verification failed" not in _io(path, f"read -P {pattern} 0 1M")


async def measure(size_gb: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="cloudca-bench-disks-", dir="/var/tmp") as directory:
        root = Path(directory)
        (root / "images").mkdir()
        driver = LibvirtDriver(
            uri="test:///default", zone_name="QC-1", state_dir=root / "state", image_dir=root / "images"
        )
        volume = "bench-volume"
        await driver.set_volume(volume, size_gb)
        path = root / "state" / "volumes" / f"{volume}.qcow2"
        started = time.perf_counter()
        _io(path, f"write -P 0x5a 0 {size_gb}G")
        print(f"filled {size_gb} GiB in {time.perf_counter() - started:.1f} s")
        snapshots, reverts = [], []
        for run in range(runs):
            started = time.perf_counter()
            size = await driver.snapshot_volume(volume, f"snapshot-{run}")
            snapshots.append(time.perf_counter() - started)
            _io(path, "write -P 0x11 0 1M")
            assert _holds(path, "0x11"), "the overwrite did not reach the volume"
            started = time.perf_counter()
            await driver.revert_volume(volume, f"snapshot-{run}")
            reverts.append(time.perf_counter() - started)
            assert _holds(path, "0x5a"), "the revert did not bring the snapshot's data back"
            took = f"snapshot {snapshots[-1]:.2f} s ({size / GIB:.2f} GiB), revert {reverts[-1]:.2f} s"
            print(f"run {run + 1}: {took}")
            await driver.delete_snapshot(f"snapshot-{run}")
        await driver.delete_volume(volume)
        await driver.close()
        print(
            f"{size_gb} GiB volume, {runs} runs: snapshot median {statistics.median(snapshots):.2f} s, "
            f"revert median {statistics.median(reverts):.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.size_gb, arguments.runs))


if __name__ == "__main__":
    main()
