#!/usr/bin/env python3
"""Fail when a block of code stands twice in the hand-written sources of ``src/``.

The scan is pylint's duplicate-code check (``R0801``, its ``symilar``), over every module of
``src/cloudca`` but the generated ones: the SDK modules ``scripts/generate_sync_sdk.py`` and
``scripts/generate_sdk_models.py`` write, and the database migrations. Its settings are in
``pyproject.toml`` (``[tool.pylint.similarities]``).

    python scripts/check_duplicates.py    # scripts/test runs this; exit 1 and the blocks if any
"""

from __future__ import annotations

import sys

from generate_sdk_models import MODULES as MODEL_MODULES
from generate_sync_sdk import CLIENT, MODULES, SPECS
from pylint.lint import Run

ROOT = CLIENT.parents[2]
#: What the generators write: the sync modules and the async ones made from specs
#: (scripts/generate_sync_sdk.py), the entity models (scripts/generate_sdk_models.py).
GENERATED = {CLIENT / target for target, _ in MODULES.values()} | {CLIENT / made for made in SPECS.values()}
GENERATED |= set(MODEL_MODULES)


def sources() -> list[str]:
    """The hand-written Python modules of the package."""
    return sorted(
        str(path)
        for path in (ROOT / "src" / "cloudca").rglob("*.py")
        if path not in GENERATED and "migrations/versions" not in path.as_posix()
    )


def main() -> int:
    modules = sources()
    settings = ["--rcfile", str(ROOT / "pyproject.toml"), "--score=n"]
    run = Run([*settings, "--disable=all", "--enable=duplicate-code", *modules], exit=False)
    if run.linter.msg_status:
        return 1
    print(f"No block of code stands twice in the {len(modules)} hand-written modules of src/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
