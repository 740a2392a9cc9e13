"""Whether the kernel already holds a chain exactly as cloudca would write it, so that a change that
changes nothing (a restore at start, a retried task) leaves live rules alone.

Each chain that a verdict map links to (a public IP's forwards or balancers, a network's ACL
chains) is written with a digest of its rules as the comment of the map's element. A chain is
current when every element that should link to it carries the digest of the rules about to be
written and the chain holds as many rules: a flushed table, a deleted chain or element, or rules
removed by hand all fail the check and the chain is written again.

nft lists rules in its own canonical form (it folds matches, renames fields), so comparing the
listed expressions with the written ones would see differences where there are none; the digest
compares what cloudca wrote with what it would write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

Command = dict[str, Any]
#: (verdict map, key, chain): the element ``key`` of ``map`` jumps to ``chain``.
Link = tuple[str, str, str]


def digest(rule_commands: Sequence[Command]) -> str:
    """A short fingerprint of the ``add rule`` commands of a chain (stable across processes)."""
    text = json.dumps(list(rule_commands), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def element(key: str, chain: str, fingerprint: str) -> list[Any]:
    """A verdict map's element ``key -> jump chain`` carrying the chain's fingerprint as comment."""
    return [[{"elem": {"val": key, "comment": fingerprint}}, {"jump": {"target": chain}}]]


def _comments(table: Sequence[dict[str, Any]], map_name: str) -> dict[str, tuple[str, str]]:
    """Key -> (comment, jump target) of a verdict map's elements, as ``nft -j list`` gives them."""
    found: dict[str, tuple[str, str]] = {}
    for item in table:
        listed = item.get("map")
        if not listed or listed.get("name") != map_name:
            continue
        for key, verdict in listed.get("elem", []):
            comment = ""
            if isinstance(key, dict) and "elem" in key:
                comment = str(key["elem"].get("comment", ""))
                key = key["elem"].get("val")
            target = verdict.get("jump", {}).get("target", "") if isinstance(verdict, dict) else ""
            found[str(key)] = (comment, str(target))
    return found


def rule_count(table: Sequence[dict[str, Any]], chain: str) -> int:
    return sum(1 for item in table if item.get("rule", {}).get("chain") == chain)


def is_current(
    table: Sequence[dict[str, Any]], links: Sequence[Link], rule_commands: Sequence[Command]
) -> bool:
    """True when every link carries the fingerprint of ``rule_commands`` and their chains hold as
    many rules as ``rule_commands`` adds to each."""
    fingerprint = digest(rule_commands)
    for map_name, key, chain in links:
        if _comments(table, map_name).get(key) != (fingerprint, chain):
            return False
        wanted = sum(
            1 for command in rule_commands if command.get("add", {}).get("rule", {}).get("chain") == chain
        )
        if rule_count(table, chain) != wanted:
            return False
    return True
