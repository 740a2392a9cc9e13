"""The README's CLI walkthrough runs as written on a fresh server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_readme import CLI_MARKER, readme_blocks


@pytest.mark.skipif(shutil.which("jq") is None, reason="the walkthrough pipes JSON through jq")
def test_walkthrough_runs_as_written(fresh_server: Any) -> None:
    result = run_walkthrough(fresh_server)
    assert result.returncode == 0, result.stdout
    output = result.stdout  # stderr included, in order: the refused stop's error is on stderr
    assert "CentOS 6.8 PV" in output and "1vCPU.512MB" in output and "Web-prod" in output
    assert '"state": "Running"' in output
    assert '"Stopped"' in output
    assert '"INVALID_STATE"' in output and "2012" in output and "exit code: 4" in output
    assert "new password: " in output and "new password: null" not in output
    assert '"Destroyed"' in output
    assert output.count('"Running"') >= 1
    assert output.rstrip().endswith("exit code: 3")


def run_walkthrough(server: Any) -> subprocess.CompletedProcess[str]:
    """Run the script with bash in a directory whose ``.venv`` is the tests' environment, as the
    README's first line (``. .venv/bin/activate``) expects of a clone's directory. (The whole
    first hour, from a fresh clone in a clean shell, is ``tests/e2e/test_fresh_clone.py``.)"""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CLOUDCA_", "VIRTUAL_ENV"))}
    env.update(
        CLOUDCA_API_URL=server.url,
        CLOUDCA_API_KEY=server.api_key,
        CLOUDCA_CONFIG=str(server.data_dir / "no-config.toml"),
    )
    clone = server.data_dir.parent / "clone"
    clone.mkdir(exist_ok=True)
    if not (clone / ".venv").exists():
        (clone / ".venv").symlink_to(Path(sys.executable).parent.parent)
    (script,) = readme_blocks(CLI_MARKER)
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        cwd=clone,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=180,
        check=False,
    )
