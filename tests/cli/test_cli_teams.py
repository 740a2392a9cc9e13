"""The README's teams walkthrough (a dev environment, a read-only user and their key, with the
CLI) runs as written on a fresh server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_readme import readme_blocks

MARKER = "# teams walkthrough"


@pytest.mark.skipif(shutil.which("jq") is None, reason="the walkthrough pipes JSON through jq")
def test_teams_walkthrough_runs_as_written(fresh_server: Any) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CLOUDCA_")}
    env.update(
        CLOUDCA_API_URL=fresh_server.url,
        CLOUDCA_API_KEY=fresh_server.api_key,
        CLOUDCA_CONFIG=str(fresh_server.data_dir / "no-config.toml"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    (script,) = readme_blocks(MARKER)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert '"name": "dev",' in result.stdout and '"Read-only"' in result.stdout
    assert '"userName": "dashboard",' in result.stdout
    assert any(line.startswith("grafana created ") for line in lines)
    assert "0" in lines  # the read-only key lists dev's VPCs
    assert "FORBIDDEN" in lines
    assert lines[-2:] == ["exit code: 8", "exit code: 8"]
    assert "walkthrough-key" not in result.stdout
