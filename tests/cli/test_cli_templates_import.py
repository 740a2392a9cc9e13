"""``cloudca templates import``: a local image becomes a template that the API lists and instances
use, with the image copied into the image directory; bad images and a running SQLite server are
refused with the reason, leaving nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cloudca.cli import app
from tests.live import LiveServer

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img is not installed")


def run_import(data_dir: Path, image_dir: Path, *args: str) -> Result:
    environment = {"CLOUDCA_DATA_DIR": str(data_dir), "CLOUDCA_LIBVIRT_IMAGE_DIR": str(image_dir)}
    return CliRunner().invoke(app, ["templates", "import", *args], env=environment)


def templates(server: LiveServer) -> dict[str, dict[str, object]]:
    with server.client() as client:
        listing = client.get(f"{server.url}/services/compute-qc/prod/templates").json()["data"]
    return {template["name"]: template for template in listing}


def qcow2(path: Path, size: str = "3G") -> Path:
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), size], check=True)
    return path


@pytest.fixture
def stopped_server(tmp_path: Path) -> LiveServer:
    """An installation that has started once (its catalogue exists), now stopped."""
    server = LiveServer(tmp_path / "data")
    server.start()
    server.stop()
    return server


def test_a_qcow2_and_a_kernel_image_become_templates_the_api_lists(
    stopped_server: LiveServer, tmp_path: Path
) -> None:
    image_dir = tmp_path / "images"
    kernel_image = tmp_path / "tiny"
    kernel_image.mkdir()
    (kernel_image / "vmlinuz").write_bytes(b"kernel")
    (kernel_image / "initrd.img").write_bytes(b"initrd")
    manifest = {"kernel": "vmlinuz", "initrd": "initrd.img", "cmdline": "console=ttyS0", "username": "tiny"}
    (kernel_image / "image.json").write_text(json.dumps(manifest))

    cloud = run_import(
        stopped_server.data_dir,
        image_dir,
        "Debian 12 cloud",
        str(qcow2(tmp_path / "debian.qcow2")),
        "--os-type",
        "Debian GNU/Linux 12 (64-bit)",
        "--username",
        "debian",
    )
    tiny = run_import(stopped_server.data_dir, image_dir, "Tiny", str(kernel_image), "--no-password-enabled")

    assert (cloud.exit_code, tiny.exit_code) == (0, 0), cloud.output + tiny.output
    cloud_id, _, cloud_path = cloud.stdout.strip().split("\t")
    tiny_id, _, tiny_path = tiny.stdout.strip().split("\t")
    assert Path(cloud_path) == image_dir / f"{cloud_id}.qcow2" and Path(cloud_path).is_file()
    assert (Path(tiny_path) / "image.json").is_file()
    stopped_server.start()
    try:
        listed = templates(stopped_server)
    finally:
        stopped_server.stop()
    assert listed["Debian 12 cloud"]["id"] == cloud_id
    assert listed["Debian 12 cloud"]["size"] == 3 * 1024**3
    assert listed["Debian 12 cloud"]["osType"] == "Debian GNU/Linux 12 (64-bit)"
    assert (listed["Tiny"]["id"], listed["Tiny"]["passwordEnabled"], listed["Tiny"]["isReady"]) == (
        tiny_id,
        False,
        True,
    )


def test_what_cannot_be_imported_is_refused_and_leaves_nothing(
    stopped_server: LiveServer, tmp_path: Path
) -> None:
    image_dir = tmp_path / "images"
    not_an_image = tmp_path / "notes.txt"
    not_an_image.write_text("hello")
    vmdk = tmp_path / "disk.vmdk"
    subprocess.run(["qemu-img", "create", "-q", "-f", "vmdk", str(vmdk), "1G"], check=True)
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    first = run_import(stopped_server.data_dir, image_dir, "Once", str(qcow2(tmp_path / "a.qcow2")))
    assert first.exit_code == 0, first.output

    refusals = {
        "a file that is no disk image": ("Other", str(not_an_image)),
        "a format cloudca does not take": ("Other", str(vmdk)),
        "a directory without image.json": ("Other", str(empty_dir)),
        "a name that is taken": ("Once", str(tmp_path / "a.qcow2")),
    }
    for what, args in refusals.items():
        result = run_import(stopped_server.data_dir, image_dir, *args)
        assert result.exit_code == 2, f"{what}: {result.output}"
        assert "cloudca templates import:" in result.stderr, what
    assert len(list(image_dir.iterdir())) == 1


def test_a_running_sqlite_server_is_not_imported_into(tmp_path: Path) -> None:
    with LiveServer(tmp_path / "data") as server:
        result = run_import(server.data_dir, tmp_path / "images", "Busy", str(qcow2(tmp_path / "a.qcow2")))
        assert result.exit_code == 2
        assert "stop the server" in result.stderr
        assert "Busy" not in templates(server)
    assert not (tmp_path / "images").exists()


def test_an_installation_that_never_started_is_refused(tmp_path: Path) -> None:
    result = run_import(tmp_path / "data", tmp_path / "images", "Early", str(qcow2(tmp_path / "a.qcow2")))

    assert result.exit_code == 2
    assert "start `cloudca serve` once first" in result.stderr


def test_the_command_runs_in_a_process_of_its_own(stopped_server: LiveServer, tmp_path: Path) -> None:
    # A fresh process has loaded no model but the catalogue's (a template's foreign keys name others).
    cloudca = str(Path(sys.executable).parent / "cloudca")
    command = [cloudca, "templates", "import", "Own", str(qcow2(tmp_path / "a.qcow2"))]
    environment = {**os.environ, "CLOUDCA_DATA_DIR": str(stopped_server.data_dir)}
    environment["CLOUDCA_LIBVIRT_IMAGE_DIR"] = str(tmp_path / "images")
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\t")[1] == "Own"
