"""What the libvirt tests share: whether libvirt can run here, network namespaces, a tiny image.

Every libvirt test skips with the reason when this machine cannot run libvirt (no libvirt-python,
not root, a tool missing: `scripts/deps/libvirt.sh` installs them). In CI (CI=true) the same
reasons fail the test instead: there the packages are installed and the tests must run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live import LiveServer

try:
    import libvirt

    from cloudca.server.drivers.libvirt import LibvirtDriver
    from cloudca.server.drivers.libvirt._acl import read_rule_ids
    from cloudca.server.drivers.libvirt._balancer import read_backends
    from cloudca.server.drivers.libvirt._firewall import read_forwards
    from cloudca.server.drivers.libvirt._records import MachineRecord
    from cloudca.server.drivers.libvirt._static_nat import read_static_nat
    from cloudca.server.drivers.libvirt._xml import METADATA_NAMESPACE, domain_name
except ImportError:  # libvirt-python is an optional extra.
    libvirt = None
    LibvirtDriver = Any  # type: ignore[misc,assignment]

TOOLS = ("ip", "nft", "qemu-img", "genisoimage", "openssl")
TEST_URI = "test:///default"


def unavailable_reason() -> str | None:
    """Why libvirt tests cannot run on this machine, or ``None`` when they can."""
    if libvirt is None:
        return "libvirt-python is not installed (make install-dev installs it where libvirt-dev is)"
    if os.geteuid() != 0:
        return "libvirt tests need root (network namespaces, nftables)"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"missing tools {missing} (run scripts/deps/libvirt.sh)"
    return None


def require_libvirt() -> None:
    """Skip the calling test with the reason, or fail it in CI, when libvirt cannot run here."""
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the libvirt tests: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def network_namespace(prefix: str) -> Iterator[str]:
    """A new, empty network namespace (loopback up), deleted afterwards."""
    name = f"{prefix}-{os.getpid()}"
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)


class _Backend:
    namespace = ""
    state_dir = Path()
    image_dir = Path()


_backend = _Backend()


def make_image(directory: Path) -> None:
    """A stand-in image for the test URI (nothing boots): a kernel, an initramfs and a 64 MiB disk."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vmlinuz").write_bytes(b"kernel")
    (directory / "initrd.img").write_bytes(b"initrd")
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", str(directory / "disk.qcow2"), "64M"], check=True
    )
    manifest = {"kernel": "vmlinuz", "initrd": "initrd.img", "disk": "disk.qcow2", "cmdline": "console=ttyS0"}
    (directory / "image.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="session")
def libvirt_backend() -> Iterator[_Backend]:
    """libvirt's test driver, a state directory and a namespace for nftables: the contract's backend."""
    require_libvirt()
    with network_namespace("cloudca-contract") as namespace:
        root = Path(tempfile.mkdtemp(prefix="cloudca-libvirt-contract-"))
        try:
            _backend.namespace = namespace
            _backend.state_dir = root / "state"
            _backend.image_dir = root / "images"
            make_image(_backend.image_dir / "template-image")
            yield _backend
        finally:
            shutil.rmtree(root, ignore_errors=True)


def reset_backend() -> None:
    """Remove every cloudca domain, network and forward: each test starts from an empty backend
    (libvirt's test driver keeps its state while the process has a connection to it)."""
    connection = libvirt.open(TEST_URI)
    try:
        for domain in connection.listAllDomains(0):
            if domain.name().startswith("cloudca-"):
                if domain.isActive():
                    domain.destroy()
                domain.undefine()
        for network in connection.listAllNetworks(0):
            if network.name().startswith("cloudca-"):
                if network.isActive():
                    network.destroy()
                network.undefine()
    finally:
        connection.close()
    subprocess.run(
        ["ip", "netns", "exec", _backend.namespace, "nft", "delete", "table", "ip", "cloudca"],
        capture_output=True,
        check=False,
    )
    shutil.rmtree(_backend.state_dir, ignore_errors=True)


def make_driver() -> LibvirtDriver:
    return LibvirtDriver(
        uri=TEST_URI,
        zone_name="QC-1",
        state_dir=_backend.state_dir,
        host_memory_mb=16384,  # The contract's sizes; the test driver's host has 3 GB.
        image_dir=_backend.image_dir,
        shutdown_timeout=5,
        nft_command=("ip", "netns", "exec", _backend.namespace, "nft"),
    )


def _domain_metadata(instance_id: str) -> tuple[str, bool]:
    connection = libvirt.open(TEST_URI)
    try:
        domain = connection.lookupByName(domain_name(instance_id))
        text = domain.metadata(
            libvirt.VIR_DOMAIN_METADATA_ELEMENT, METADATA_NAMESPACE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
        )
        return text, bool(domain.isActive())
    finally:
        connection.close()


def record(instance_id: str) -> Any:
    """cloudca's record in the machine's domain, as libvirt keeps it."""

    text, _ = _domain_metadata(instance_id)
    return MachineRecord.parse(ET.fromstring(text).text or "")  # noqa: S314 - libvirt's own XML


def snapshot(instance_id: str) -> object:
    try:
        return _domain_metadata(instance_id)
    except libvirt.libvirtError:
        return None


def crypt_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    salt = password_hash.split("$")[2]
    result = subprocess.run(
        ["openssl", "passwd", "-6", "-salt", salt, "-stdin"], input=password, capture_output=True, text=True
    )
    return result.stdout.strip() == password_hash


def _table() -> list[Any]:
    """cloudca's nftables table in the contract's namespace (empty when there is none)."""
    listing = subprocess.run(
        ["ip", "netns", "exec", _backend.namespace, "nft", "-j", "list", "table", "ip", "cloudca"],
        capture_output=True,
        text=True,
    )
    if listing.returncode != 0:
        return []
    return list(json.loads(listing.stdout)["nftables"])


def forwards(public_ip: str) -> tuple[Any, ...]:
    return read_forwards(_table()).get(public_ip, ())


def acl_rule_ids(network_id: str) -> tuple[str, ...] | None:
    """The ids of the ACL rules the kernel applies to the network, in evaluation order."""
    return read_rule_ids(_table(), network_id)


def balancer_backends(public_ip: str) -> dict[str, tuple[str, ...]]:
    """Rule id -> the backends the kernel balances over, for one public IP."""
    return read_backends(_table(), public_ip)


def static_nat(public_ip: str) -> str | None:
    return read_static_nat(_table()).get(public_ip)


_CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def entered_namespace(name: str) -> Iterator[None]:
    """Move the calling thread into network namespace ``name`` (and back afterwards).

    Sockets the thread opens and processes it starts (libvirtd, ``cloudca serve``, SSH clients)
    then live in the namespace: nothing of the test reaches the host's own networks.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    with Path("/proc/thread-self/ns/net").open("rb") as original:
        with Path(f"/run/netns/{name}").open("rb") as target:
            if libc.setns(target.fileno(), _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {name} failed")
        try:
            yield
        finally:
            if libc.setns(original.fileno(), _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to the host's namespace failed")


def wait_for(condition: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll ``condition()`` until it returns something true, for at most ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)  # Polling a condition with a deadline.


class Libvirtd:
    """A libvirtd of the test's own (socket in ``directory``), in the calling thread's namespace,
    with a virtlogd when none runs; both ended by their pids."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "run" / "libvirt-sock"
        self.uri = f"qemu:///system?socket={self.socket}"
        self._started: list[Path] = []

    def start(self) -> None:
        (self.directory / "run").mkdir(parents=True, exist_ok=True)
        config = self.directory / "libvirtd.conf"
        config.write_text(
            f'unix_sock_dir = "{self.directory / "run"}"\nunix_sock_rw_perms = "0700"\n'
            'auth_unix_rw = "none"\nauth_unix_ro = "none"\n'
        )
        if not Path("/run/libvirt/virtlogd-sock").exists():
            self._daemon(["virtlogd", "-d", "-p", str(self.directory / "virtlogd.pid")], "virtlogd.pid")
            wait_for(lambda: Path("/run/libvirt/virtlogd-sock").exists(), 30, "virtlogd's socket")
        self._daemon(
            ["libvirtd", "-d", "-f", str(config), "-p", str(self.directory / "libvirtd.pid")], "libvirtd.pid"
        )
        wait_for(self._answers, 60, "libvirtd")

    def _daemon(self, command: list[str], pid_file: str) -> None:
        subprocess.run(command, check=True, timeout=60)
        self._started.append(self.directory / pid_file)

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            libvirt.open(self.uri).close()
        except libvirt.libvirtError:
            return False
        return True

    def stop(self) -> None:
        import signal

        pids = []
        for pid_file in reversed(self._started):
            with contextlib.suppress(OSError, ValueError):
                pid = int(pid_file.read_text().strip())
                os.kill(pid, signal.SIGTERM)
                pids.append(pid)
        self._started.clear()
        # Gone before the next test's libvirtd starts: daemons of one host share /run/libvirt, and a
        # second libvirtd cannot take the qemu driver's state while the first still holds it.
        with contextlib.suppress(TimeoutError):
            wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in pids), 30, "libvirtd's exit")

    def purge(self) -> None:
        """Remove every cloudca domain and network this libvirtd has (teardown after a failure)."""
        connection = libvirt.open(self.uri)
        try:
            for domain in connection.listAllDomains(0):
                if domain.name().startswith("cloudca-"):
                    if domain.isActive():
                        domain.destroy()
                    domain.undefine()
            for network in connection.listAllNetworks(0):
                # libvirt's own autostarted network runs in our namespace too: stop its dnsmasq.
                if network.isActive():
                    network.destroy()
                if network.name().startswith("cloudca-"):
                    network.undefine()
        finally:
            connection.close()


REPOSITORY = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Installation:
    """cloudca serving on its own libvirtd, in a network namespace that the calling thread is in."""

    server: LiveServer
    libvirtd: Libvirtd
    state_dir: Path
    #: An ed25519 key pair (``.pub`` beside it) for guests' default user.
    key_path: Path


def guest_image(directory: Path) -> Path:
    """A copy of the test guest (scripts/guest-image builds it once and caches it) in ``directory``."""
    built = subprocess.run(
        [str(REPOSITORY / "scripts" / "guest-image")], capture_output=True, text=True, check=True, timeout=600
    )
    image = directory / "test-guest"
    shutil.copytree(built.stdout.strip().splitlines()[-1], image)
    return image


@contextlib.contextmanager
def cloudca_on_libvirt(prefix: str, api_key: str, public_pool: str) -> Iterator[Installation]:
    """``cloudca serve --driver libvirt`` with the test guest as default image, on a libvirtd of its
    own, in a new network namespace whose host owns ``public_pool``; all removed afterwards."""
    import asyncssh

    # Under /var/tmp, readable by the hypervisor's user (QEMU does not run as root).
    root = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir="/var/tmp"))
    root.chmod(0o755)
    try:
        image = guest_image(root)
        key_path = root / "id_ed25519"
        key = asyncssh.generate_private_key("ssh-ed25519")
        key.write_private_key(str(key_path))
        key.write_public_key(str(key_path.with_suffix(".pub")))
        with network_namespace(prefix) as namespace, entered_namespace(namespace):
            # The public pool belongs to this (namespace's) host, as a provider's pool would.
            subprocess.run(["ip", "route", "add", "local", public_pool, "dev", "lo"], check=True)
            libvirtd = Libvirtd(root / "libvirt")
            libvirtd.start()
            server = LiveServer(
                root / "data",
                api_key,
                env={
                    "CLOUDCA_DRIVER": "libvirt",
                    "CLOUDCA_LIBVIRT_URI": libvirtd.uri,
                    "CLOUDCA_LIBVIRT_STATE_DIR": str(root / "state"),
                    "CLOUDCA_LIBVIRT_IMAGE_DIR": str(root),
                    "CLOUDCA_LIBVIRT_DEFAULT_IMAGE": str(image),
                    "CLOUDCA_LIBVIRT_SHUTDOWN_TIMEOUT_SECONDS": "20",
                    "CLOUDCA_PUBLIC_IP_POOLS": public_pool,
                },
            )
            try:
                server.start(timeout=60)
                yield Installation(server, libvirtd, root / "state", key_path)
            finally:
                server.stop()
                # What the server said, for a failing run's report (CI keeps the output).
                print(server.log_path.read_text()[-20000:])
                with contextlib.suppress(Exception):
                    libvirtd.purge()
                libvirtd.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
