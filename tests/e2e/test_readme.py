"""The README's walkthrough runs as written against a fresh server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.live import LiveServer

README = Path(__file__).resolve().parents[2] / "README.md"
WALKTHROUGH_KEY = "walkthrough-key-0123456789abcdef"


def walkthrough_blocks() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [block for block in blocks if block.startswith("# walkthrough")]


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("curl") is None, reason="needs curl and jq")
@pytest.mark.parametrize("block", walkthrough_blocks(), ids=lambda block: block.splitlines()[0])
def test_walkthrough_runs_as_written(block: str, tmp_path: Path) -> None:
    with LiveServer(tmp_path / "data", WALKTHROUGH_KEY) as server:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            env={**os.environ, "CLOUDCA_API_URL": server.url, "CLOUDCA_API_KEY": WALKTHROUGH_KEY},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout
    assert '"Stopped"' in output
    assert '"INVALID_STATE"' in output and "2012" in output
    assert "new password: " in output
    assert '"Destroyed"' in output
    assert output.rstrip().endswith("404")


def test_readme_has_a_walkthrough() -> None:
    assert walkthrough_blocks(), "the README lost its walkthrough block"
