"""The first hour, as a new user lives it: a fresh clone, a shell that has never seen the project,
``make run`` in one terminal and the README's curl and CLI walkthroughs, as written, in another.

The clone is the repository's files (tracked, plus new files not yet committed and not ignored),
copied to a temporary directory: no ``.venv``, no ``data``. Both shells start from a clean
environment: ``PATH``, ``HOME`` (an empty one) and ``LANG``, nothing else of the test run's. The
only departure from the README: the server listens on a free port instead of 8080 (the machine
may be running other servers), which the walkthroughs take from ``CLOUDCA_API_URL`` as written.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_readme import CLI_MARKER, WALKTHROUGH_KEY, curl_walkthrough, readme_blocks
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: ``make run`` creates the virtual environment and installs the package first.
INSTALL_TIMEOUT = 600.0

pytestmark = [
    pytest.mark.slow,
    # The quick start is the embedded default (SQLite); the PostgreSQL pass has nothing to add.
    pytest.mark.skipif(
        bool(os.environ.get("CLOUDCA_TEST_DATABASE_URL")), reason="the quick start runs on SQLite"
    ),
    pytest.mark.skipif(
        shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
    ),
    pytest.mark.skipif(
        shutil.which("jq") is None or shutil.which("curl") is None or shutil.which("make") is None,
        reason="the quick start needs make, curl and jq",
    ),
]


def clone_files(destination: Path) -> None:
    """What a clone of this checkout would hold once its new files are committed."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    return {"PATH": CLEAN_PATH, "HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb", **extra}


@pytest.fixture(scope="module")
def first_terminal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, Path]]:
    """``CLOUDCA_API_KEY=walkthrough-key-... make run`` in a fresh clone; yields (clone, API URL, home)."""
    base = tmp_path_factory.mktemp("first-hour")
    clone, home = base / "cloudca", base / "home"
    clone.mkdir()
    home.mkdir()
    clone_files(clone)
    port = free_port()
    log_path = base / "make-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=clone,
            env=clean_environment(home, CLOUDCA_API_KEY=WALKTHROUGH_KEY, CLOUDCA_PORT=str(port)),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + INSTALL_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"make run exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"make run did not serve within {INSTALL_TIMEOUT} s:\n{log_path.read_text()}")
            time.sleep(0.5)  # polling a condition with a deadline (the install takes a while)
        yield clone, f"{url}/v1", home
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    log = log_path.read_text()
    assert "'. .venv/bin/activate' puts it on the PATH" in log


def second_terminal(clone: Path, home: Path, api_url: str, script: str) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=clone,
        env=clean_environment(home, CLOUDCA_API_URL=api_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    return result.stdout


def test_curl_walkthrough_from_a_fresh_clone(first_terminal: tuple[Path, str, Path]) -> None:
    clone, api_url, home = first_terminal
    output = second_terminal(clone, home, api_url, curl_walkthrough())
    assert '"INVALID_STATE"' in output and "purged instance: 404" in output
    assert "snapshots left: 0" in output


def test_cli_walkthrough_from_a_fresh_clone(first_terminal: tuple[Path, str, Path]) -> None:
    clone, api_url, home = first_terminal
    (script,) = readme_blocks(CLI_MARKER)
    # The README's other CLI walkthroughs follow in the same terminal, as a reader goes on.
    later = readme_blocks("# teams walkthrough")
    output = second_terminal(clone, home, api_url, "\n".join([script, *later]))
    assert "command not found" not in output
    assert "CentOS 6.8 PV" in output and '"INVALID_STATE"' in output and "exit code: 4" in output
    assert "exit code: 3" in output
