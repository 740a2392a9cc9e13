"""What the server tells the person who started it: the first-start key, and a key it ignores.

Both go to stderr between the log lines, so they are framed to stand out from them.
"""

from __future__ import annotations

from cloudca.server.config import Settings


def _frame(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


def base_url(settings: Settings) -> str:
    """Where a browser on this machine reaches the server."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}"


def first_start(api_key: str, settings: Settings) -> str:
    """The generated admin key, shown once (only its SHA-256 digest is stored)."""
    url = base_url(settings)
    return _frame(
        [
            "cloudca: first start. Your admin API key (shown only now):",
            "",
            f"    {api_key}",
            "",
            "Only its SHA-256 digest is stored: keep it now. To use it:",
            f"    export CLOUDCA_API_KEY={api_key}",
            f"Console: {url}/console    API: {url}/v1    API docs: {url}/docs",
        ]
    )


def key_not_seeded(settings: Settings) -> str:
    """CLOUDCA_API_KEY names a key this (already seeded) database does not know."""
    data = str(settings.data_dir) if settings.is_sqlite and not settings.database_url else "the database"
    return _frame(
        [
            "cloudca: WARNING: CLOUDCA_API_KEY is set, but it is not a key of this server.",
            f"{data} was seeded before, with another key; CLOUDCA_API_KEY only seeds a new server.",
            "Requests with it will be refused (401). Use the key of the first start, or start",
            "with an empty data directory (--data-dir) to seed a new server with this key.",
        ]
    )
