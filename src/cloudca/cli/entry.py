"""The console entry point. ``cloudca serve`` starts without importing the client side of the CLI
(the SDK, every resource command, rich tables): the server's start-up time is part of its contract.
Every other invocation loads the whole command."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        import typer

        from cloudca.cli.serve import serve

        app = typer.Typer(add_completion=False)
        app.command()(serve)
        typer.main.get_command(app)(args=sys.argv[2:], prog_name="cloudca serve")
        return
    from cloudca.cli import main as full_main

    full_main()
