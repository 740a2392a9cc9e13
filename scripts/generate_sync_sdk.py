#!/usr/bin/env python3
"""Generate the SDK's synchronous modules from their asynchronous source (an unasync-style rewrite).

The async modules are the source; each sync module is the same code with ``async``/``await``
removed and ``Async`` names replaced by their sync twins, then sorted and formatted by ruff.
An async module listed in ``SPECS`` is itself generated, from a spec module whose task methods are
call builders marked ``@task`` (see :mod:`task_methods`): each becomes the typed task method, with
``wait``, ``timeout`` and the overloads that tell a task from its result.

    python scripts/generate_sync_sdk.py          # rewrite the sync modules
    python scripts/generate_sync_sdk.py --check  # exit 1 if one is out of date (scripts/test runs this)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from task_methods import expand_tasks

CLIENT = Path(__file__).resolve().parents[1] / "src" / "cloudca" / "client"

#: async source -> (generated sync module, its docstring).
MODULES = {
    "_async_client.py": ("_client.py", "The synchronous client."),
    "_async_task.py": ("_task.py", "A handle on a task started through :class:`~cloudca.Client`."),
    "_async_environment.py": (
        "_environment.py",
        'One environment\'s compute resources: ``client.environment("compute-qc", "prod").instances``.',
    ),
    "_resources/async_access.py": (
        "_resources/access.py",
        "SSH keys, affinity groups and remote access VPNs.",
    ),
    "_resources/async_instances.py": (
        "_resources/instances.py",
        "Instances (contract section 4): create, update, destroy and every operation.",
    ),
    "_resources/async_networking.py": (
        "_resources/networking.py",
        "VPCs and networks.",
    ),
    "_resources/async_acls.py": ("_resources/acls.py", "Network ACLs and their rules."),
    "_resources/async_public_ips.py": (
        "_resources/public_ips.py",
        "Public IPs, port forwarding rules and load balancer rules.",
    ),
    "_resources/async_storage.py": ("_resources/storage.py", "Volumes and NICs."),
    "_resources/async_admin.py": (
        "_resources/admin.py",
        "Administration (contract 3) and tasks: synchronous endpoints under ``/v1`` itself.",
    ),
    "_resources/async_teams.py": (
        "_resources/teams.py",
        "Organizations, users and API keys (contract 3.2, 3.4 and the API-key extension).",
    ),
}

#: spec module -> the async module generated from it (then the sync one, through ``MODULES``).
SPECS = {
    f"_resources/spec_{name}.py": f"_resources/async_{name}.py"
    for name in ("access", "acls", "instances", "networking", "public_ips", "storage")
}

#: (pattern, replacement), applied in order to every line that is not an async-only comment.
REWRITES = [
    (r"\bimport asyncio\b", "import time"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"\basync (def|with|for)\b", r"\1"),
    (r"\bawait ", ""),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\b_async_(client|environment|task)\b", r"_\1"),
    (r"\b_resources\.async_(\w+)", r"_resources.\1"),
    (r"\basync_id_task\b", "id_task"),
    (r"\bAsync([A-Z]\w*)", r"\1"),
]
#: Lines only the async source needs.
ASYNC_ONLY = re.compile(r"^# (ruff: noqa: ASYNC\d+|The async API mirrors the sync one.*)$")
HEADER = "# Generated from {source} by scripts/generate_sync_sdk.py: edit the source, then run it.\n"


def _replace_docstring(text: str, docstring: str) -> str:
    match = re.match(r'"""(.*?)"""\n', text, re.S)
    if match is None:
        raise SystemExit("an async SDK module must start with its docstring")
    return f'"""{docstring}"""\n' + text[match.end() :]


def unasync(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if ASYNC_ONLY.match(line.strip()):
            continue
        for pattern, replacement in REWRITES:
            line = re.sub(pattern, replacement, line)
        lines.append(line)
    return "".join(lines)


def _ruff(args: list[str], text: str, filename: Path) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(  # noqa: S603 - our own ruff, on our own source
        [str(ruff), *args, "--stdin-filename", str(filename), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1) or not result.stdout:
        raise SystemExit(f"ruff failed on {filename}: {result.stderr}")
    return result.stdout


def _finish(text: str, source: str, path: Path) -> tuple[Path, str]:
    header = HEADER.format(source=Path(source).name)
    text = text.replace('"""\n', '"""\n\n' + header, 1) if text.count('"""') else header + text
    text = _ruff(["check", "--fix", "--quiet", "--exit-zero"], text, path)
    return path, _ruff(["format", "--quiet"], text, path)


def _source_text(source: str) -> str:
    """An async module's text: from its spec when it has one (so a stale file on disk is not used)."""
    spec = next((spec for spec, target in SPECS.items() if target == source), None)
    return generate_async(spec)[1] if spec else (CLIENT / source).read_text()


def generate_async(spec: str) -> tuple[Path, str]:
    return _finish(expand_tasks((CLIENT / spec).read_text()), spec, CLIENT / SPECS[spec])


def generate(source: str) -> tuple[Path, str]:
    target, docstring = MODULES[source]
    text = _replace_docstring(unasync(_source_text(source)), docstring)
    text = re.sub(r"^# Generated from .*\n", "", text, flags=re.M)
    return _finish(text, source, CLIENT / target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a generated module is out of date")
    outputs = [*(generate_async(spec) for spec in SPECS), *(generate(source) for source in MODULES)]
    return write_generated(outputs, parser.parse_args().check, "generate_sync_sdk.py")


def write_generated(outputs: Iterable[tuple[Path, str]], check: bool, script: str) -> int:
    """Write each generated module whose text changed; with ``check``, write nothing and fail (1),
    naming each module that is out of date (``scripts/test`` runs every generator so)."""
    stale = []
    for path, text in outputs:
        if path.exists() and path.read_text() == text:
            continue
        if check:
            stale.append(path.relative_to(CLIENT.parents[1]))
        else:
            path.write_text(text)
    for path in stale:
        print(f"{path} is out of date: run scripts/{script}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
