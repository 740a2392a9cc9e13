"""The ``cloudca`` command: ``cloudca <resource> <verb>``, and ``cloudca serve``."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, cast

import typer
from typer._click.core import Context as ClickContext  # typer vendors click; its Group.invoke takes this
from typer.core import TyperGroup

from cloudca import __version__
from cloudca.cli import access, admin, catalog, instances, networking, public_ips, storage, teams
from cloudca.cli._global_options import hoist_global_options
from cloudca.cli._output import OutputFormat, resolve_format, stderr
from cloudca.cli._session import CONNECTION_OPTIONS, Session
from cloudca.cli.exit_codes import ExitCode, exit_code_for, exit_codes_help
from cloudca.cli.serve import serve
from cloudca.cli.worker import worker
from cloudca.client import (
    AmbiguousNameError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    CloudcaError,
    ConfigurationError,
    NameNotFoundError,
    ResolutionError,
    TaskFailedError,
    TaskTimeoutError,
)
from cloudca.client._config import ClientOptions

__all__ = ["ExitCode", "app", "main"]


def _error_objects(error: CloudcaError) -> list[dict[str, Any]]:
    """The error as contract-style error objects (the server's own, when it sent them)."""
    if isinstance(error, APIError | TaskFailedError) and error.errors:
        return error.errors
    context: dict[str, Any] = {}
    if isinstance(error, ResolutionError):
        context = {
            "type": error.entity_type,
            "reference": error.reference,
            "candidates": [{"id": entity_id, "name": name} for entity_id, name in error.candidates],
        }
    code = _CLIENT_ERROR_CODES.get(type(error), type(error).__name__)
    return [{"errorCode": code, "message": str(error), "context": context}]


_CLIENT_ERROR_CODES: dict[type[CloudcaError], str] = {
    NameNotFoundError: "NAME_NOT_FOUND",
    AmbiguousNameError: "AMBIGUOUS_NAME",
    ConfigurationError: "CONFIGURATION",
    APIConnectionError: "CONNECTION_FAILED",
    APITimeoutError: "TIMEOUT",
    TaskTimeoutError: "TASK_TIMEOUT",
}


def _report(error: CloudcaError, output: OutputFormat | None) -> None:
    """Explain an SDK error on stderr: JSON ``{"errors": [...]}`` for scripts, else text."""
    if resolve_format(output) is OutputFormat.json:
        payload: dict[str, Any] = {"errors": _error_objects(error)}
        if isinstance(error, TaskFailedError | TaskTimeoutError):
            payload["taskId"] = error.task_id
        sys.stderr.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    console = stderr()
    code = getattr(error, "error_code", "")
    message = error.message if isinstance(error, APIError) else str(error)
    console.print(f"[bold red]Error[/]{f' [{code}]' if code else ''}: {message}", markup=True)
    context: dict[str, Any] = getattr(error, "context", {}) or {}
    for key, value in context.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        console.print(f"  {key}: {shown}", markup=False)
    if isinstance(error, ResolutionError) and error.candidates:
        console.print("  candidates:", markup=False)
        for entity_id, name in error.candidates[:20]:
            console.print(f"    {name or '-'}  {entity_id}", markup=False)
    if isinstance(error, TaskFailedError):
        console.print(f"  task: {error.task_id}", markup=False)


class CloudcaGroup(TyperGroup):
    """Root group: global options anywhere; SDK errors become a message on stderr and an
    :class:`ExitCode`."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(self, ctx, args))

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except CloudcaError as error:
            state = ctx.obj if isinstance(ctx.obj, Session) else Session()
            _report(error, state.output)
            raise typer.Exit(exit_code_for(error)) from None


_EPILOG = f"""\b
Global options may come before or after the subcommand:
  cloudca --profile lab instances list  =  cloudca instances list --profile lab

\b
Exit codes:
{exit_codes_help()}

\b
Profiles: ~/.config/cloudca/config.toml (or the file $CLOUDCA_CONFIG names), TOML:
  default_profile = "local"        # optional; else the profile "default"
  [profiles.local]
  api_url = "http://127.0.0.1:8080/v1"
  api_key = "..."
  service = "compute-qc"           # optional
  environment = "prod"             # optional
Precedence: options, then --profile, then CLOUDCA_* variables, then the default profile.
"""

app = typer.Typer(
    name="cloudca",
    cls=CloudcaGroup,
    help=(
        "cloudca: a self-hosted compute service that speaks the cloud.ca compute API.\n\n"
        "Run the server with 'cloudca serve' (its web console is at /console); manage it with "
        "'cloudca <resource> <verb>'. Connection settings come from the options below, "
        "CLOUDCA_API_URL / CLOUDCA_API_KEY / CLOUDCA_SERVICE / CLOUDCA_ENVIRONMENT, or a profile."
    ),
    epilog=_EPILOG,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"cloudca {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    api_url: Annotated[
        str | None, typer.Option(help="API base URL [env: CLOUDCA_API_URL; default http://127.0.0.1:8080/v1]")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="API key [env: CLOUDCA_API_KEY]", show_default=False)
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="Profile of the config file [env: CLOUDCA_PROFILE]")
    ] = None,
    service: Annotated[
        str | None,
        typer.Option("--service", "-s", help="Service code, e.g. compute-qc [env: CLOUDCA_SERVICE]"),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option(
            "--environment",
            "-e",
            help="Environment name; default: the only one visible [env: CLOUDCA_ENVIRONMENT]",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Store the connection settings for the subcommand."""
    # The connection options are read from ``ctx.params`` by the names the client takes them under.
    del api_url, api_key, profile, service, environment, version
    # A caller (a test, an embedding program) may hand in a prepared Session; options still apply.
    state = ctx.obj if isinstance(ctx.obj, Session) else Session()
    given = {name: ctx.params[name] for name in CONNECTION_OPTIONS if ctx.params[name]}
    state.connection.update(cast(ClientOptions, given))
    ctx.obj = state
    ctx.call_on_close(state.close)


for module in (instances,):
    app.add_typer(module.app)
for group in (
    *catalog.APPS,
    *networking.APPS,
    *storage.APPS,
    *public_ips.APPS,
    *access.APPS,
    *admin.APPS,
    *teams.APPS,
):
    app.add_typer(group)
app.command(name="serve")(serve)
app.command(name="worker")(worker)


def main() -> None:
    """Console entry point."""
    app()
