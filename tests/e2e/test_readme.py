"""The README's curl walkthrough runs as written, in order, against a fresh server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import LiveServer

README = Path(__file__).resolve().parents[2] / "README.md"
WALKTHROUGH_KEY = "walkthrough-key-0123456789abcdef"
CLI_MARKER = "# walkthrough (the CLI version"


def readme_blocks(marker: str) -> list[str]:
    """The README's ``sh`` blocks whose first line starts with ``marker``, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [block for block in blocks if block.startswith(marker)]


def curl_walkthrough() -> str:
    return "\n".join(block for block in readme_blocks("# walkthrough") if not block.startswith(CLI_MARKER))


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("curl") is None, reason="needs curl and jq")
def test_curl_walkthrough_runs_as_written(tmp_path: Path) -> None:
    with LiveServer(tmp_path / "data", WALKTHROUGH_KEY) as server:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", curl_walkthrough()],
            env={**os.environ, "CLOUDCA_API_URL": server.url, "CLOUDCA_API_KEY": WALKTHROUGH_KEY},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout
    assert '"Stopped"' in output
    assert '"INVALID_STATE"' in output and "2012" in output
    assert "new password: " in output and "new password: null" not in output
    assert '"Destroyed"' in output
    assert "purged instance: 404" in output
    assert '"fingerprint"' in output and '"sshKeyName": "laptop"' in output
    assert "data  20 GB" in output and ":22 -> " in output
    assert "public IP: 404" in output and "data volume: 404" in output and "snapshots left: 0" in output


def test_sdk_example_runs_as_written(tmp_path: Path) -> None:
    (example,) = re.findall(r"```python\n(# sdk example\n.*?)```", README.read_text(), flags=re.DOTALL)
    with LiveServer(tmp_path / "data", WALKTHROUGH_KEY) as server:
        result = subprocess.run(
            [sys.executable, "-c", example],
            env={**os.environ, "CLOUDCA_API_URL": server.url, "CLOUDCA_API_KEY": WALKTHROUGH_KEY},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("vision Running 10.164.212.")
    assert lines[1:] == ["Stopped", "INVALID_STATE Stopped"]


def test_readme_has_both_walkthroughs() -> None:
    assert "purgeImmediately" in curl_walkthrough()
    assert len(readme_blocks(CLI_MARKER)) == 1
