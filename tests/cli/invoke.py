"""Running ``cloudca`` in-process against a live server, as the CLI tests do."""

from __future__ import annotations

from collections.abc import Callable

from typer.testing import CliRunner, Result

from cloudca.cli import app
from cloudca.cli.exit_codes import ExitCode
from tests.live import LiveServer

#: ``run("instances", "list", expect=ExitCode.OK, env={...})``: the click result, its exit code checked.
Run = Callable[..., Result]


def cli_against(server: LiveServer, **extra_env: str) -> Run:
    """A runner of ``cloudca ARGS`` that reaches only ``server``: its URL and key, no config file, no
    profile, service or environment from the caller's environment; ``extra_env`` is added."""
    environment: dict[str, str | None] = {
        "CLOUDCA_API_URL": server.url,
        "CLOUDCA_API_KEY": server.api_key,
        "CLOUDCA_CONFIG": str(server.data_dir / "no-config.toml"),
        "CLOUDCA_SERVICE": None,
        "CLOUDCA_ENVIRONMENT": None,
        "CLOUDCA_PROFILE": None,
        **extra_env,
    }
    runner = CliRunner()

    def run(*args: str, expect: ExitCode = ExitCode.OK, env: dict[str, str | None] | None = None) -> Result:
        result = runner.invoke(app, list(args), env={**environment, **(env or {})})
        assert result.exit_code == expect, f"{args}: {result.stdout}\n{result.stderr}"
        return result

    return run
