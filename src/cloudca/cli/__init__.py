"""The ``cloudca`` command: ``cloudca <resource> <verb>``, and ``cloudca serve``."""

from __future__ import annotations

import typer

from cloudca.cli.serve import serve

app = typer.Typer(
    name="cloudca",
    help="cloudca: a self-hosted compute service that speaks the cloud.ca compute API.",
    no_args_is_help=True,
)
app.command(name="serve")(serve)


def main() -> None:
    """Console entry point."""
    app()
