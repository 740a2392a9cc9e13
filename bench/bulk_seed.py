"""Seeding many instances straight into cloudca's SQLite database while the server is stopped."""

from __future__ import annotations

from pathlib import Path

DATABASE_NAME = "cloudca.db"


def seed(database: Path, count: int) -> int:
    """Insert ``count`` instances; returns how many were inserted."""
    raise NotImplementedError("direct seeding waits for cloudca's instance models")
