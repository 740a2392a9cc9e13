"""What ``cloudca serve`` tells the person who started it: the first-start key in a banner, a
warning when CLOUDCA_API_KEY is not a key of an already seeded server, and a busy port before
anything is written."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx

from tests.live import CLOUDCA, LiveServer, free_port

KEY = "first-start-key-0123456789abcdef"


def test_a_chosen_key_then_a_warning_for_an_unknown_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LiveServer(data, KEY) as server:
        pass
    log = server.log_path.read_text()
    # The key was chosen, so there is nothing to reveal; where to go is said all the same.
    assert "shown only now" not in log and KEY not in log and "WARNING" not in log
    assert "/console" in log

    server.log_path.unlink()
    # Restarted with another key: the server says it will not take it, and the old key still works.
    with LiveServer(data, KEY, env={"CLOUDCA_API_KEY": "another-key-0123456789abcdef"}) as restarted:
        assert httpx.get(f"{restarted.url}/environments", headers={"MC-Api-Key": KEY}).status_code == 200
    log = restarted.log_path.read_text()
    assert "WARNING: CLOUDCA_API_KEY is set, but it is not a key of this server" in log
    assert "shown only now" not in log


def test_a_generated_key_is_shown_once_in_the_banner_and_works(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    environment = {key: value for key, value in os.environ.items() if key != "CLOUDCA_API_KEY"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [CLOUDCA, "serve", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not _healthy(port):
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)  # polling a condition with a deadline
        log = log_path.read_text()
        assert "+---" in log and "cloudca: first start. Your admin API key (shown only now):" in log
        (key,) = re.findall(r"export CLOUDCA_API_KEY=(\S+)", log)
        answer = httpx.get(f"http://127.0.0.1:{port}/v1/environments", headers={"MC-Api-Key": key})
        assert answer.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_a_busy_port_is_found_before_anything_is_written(tmp_path: Path) -> None:
    with LiveServer(tmp_path / "data", KEY) as server:
        fresh = tmp_path / "fresh"
        result = subprocess.run(
            [CLOUDCA, "serve", "--port", str(server.port), "--data-dir", str(fresh)],
            env={**os.environ, "CLOUDCA_API_KEY": KEY},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{server.port}" in result.stderr and "--port" in result.stderr
    assert not fresh.exists()
