"""The NoCloud seed of a machine: what cloud-init (or the test guest) reads at boot.

A seed is an ISO 9660 image labelled ``cidata`` holding ``meta-data`` (instance id, hostname, SSH
keys), ``user-data`` (the user's, untouched), ``vendor-data`` (cloudca's: the default user and
its password, as a SHA-512 crypt hash, never in clear) and ``network-config`` (DHCP on every NIC,
whose leases carry the control plane's addresses). ``seed_files`` is pure; ``write_seed`` builds
the image atomically.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Seed:
    instance_id: str
    hostname: str
    username: str
    user_data: str
    ssh_public_key: str | None
    #: ``$6$...`` crypt hash of the default user's password, or ``None`` for no password login.
    password_hash: str | None = field(default=None, repr=False)
    mac_addresses: tuple[str, ...] = ()


def _quote(value: str) -> str:
    # JSON strings are valid YAML flow scalars: no YAML library needed to write safe values.
    return json.dumps(value)


def seed_files(seed: Seed) -> dict[str, str]:
    """The files of the seed image, by name."""
    meta = [f"instance-id: {_quote(seed.instance_id)}", f"local-hostname: {_quote(seed.hostname)}"]
    if seed.ssh_public_key:
        meta += ["public-keys:", f"  - {_quote(seed.ssh_public_key.strip())}"]
    vendor = [
        "#cloud-config",
        "users:",
        "  - default",
        "system_info:",
        "  default_user:",
        f"    name: {_quote(seed.username)}",
        f"ssh_pwauth: {'true' if seed.password_hash else 'false'}",
    ]
    if seed.password_hash:
        vendor += [
            "chpasswd:",
            "  expire: false",
            "  users:",
            f"    - name: {_quote(seed.username)}",
            f"      password: {_quote(seed.password_hash)}",
            "      type: hash",
        ]
    network = ["version: 2", "ethernets:"]
    for index, mac in enumerate(seed.mac_addresses):
        network += [
            f"  nic{index}:",
            "    match:",
            f"      macaddress: {_quote(mac)}",
            "    dhcp4: true",
        ]
    if not seed.mac_addresses:
        network = ["version: 2", "ethernets: {}"]
    return {
        "meta-data": "\n".join(meta) + "\n",
        "user-data": seed.user_data or "#cloud-config\n",
        "vendor-data": "\n".join(vendor) + "\n",
        "network-config": "\n".join(network) + "\n",
    }


def hash_password(password: str) -> str:
    """A SHA-512 crypt hash (what /etc/shadow and cloud-init's ``type: hash`` take), by ``openssl``."""
    try:
        result = subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"],  # noqa: S607 - a system tool, found on PATH
            input=password,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError("openssl could not hash the password") from exc
    return result.stdout.strip()


def _write(path: Path, seed: Seed) -> None:
    directory = Path(tempfile.mkdtemp(prefix="seed-", dir=path.parent))
    try:
        files = directory / "files"
        files.mkdir()
        for name, content in seed_files(seed).items():
            (files / name).write_text(content)
        image = directory / "seed.iso"
        command = ["genisoimage", "-quiet", "-output", str(image), "-volid", "cidata", "-joliet", "-rock"]
        # A system tool with arguments of our own making.
        subprocess.run([*command, str(files)], check=True, capture_output=True, timeout=60)  # noqa: S603
        # The seed holds a password hash and user data: only the hypervisor (root) reads it.
        image.chmod(0o600)
        image.replace(path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def write_seed(path: Path, seed: Seed) -> None:
    """Build the seed image at ``path``, replacing any previous one in one step."""
    await asyncio.to_thread(_write, path, seed)
