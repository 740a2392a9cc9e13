"""The host's tools the libvirt driver runs (``nft``, ``qemu-img``): one way to run them."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Sequence

from cloudca.server.drivers.base import DriverError


async def run_tool(name: str, command: Sequence[str], *, seconds: float) -> str:
    """``command``'s standard output. In a thread, since ``subprocess.run`` kills the tool after
    ``seconds``; a tool that cannot run, or ends in failure, is a ``DriverError`` that says ``name``."""
    try:
        result = await asyncio.to_thread(
            subprocess.run, list(command), capture_output=True, text=True, timeout=seconds
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DriverError(f"{name} could not run: {exc}") from exc
    if result.returncode != 0:
        raise DriverError(f"{name} failed: {result.stderr.strip()}")
    return result.stdout
