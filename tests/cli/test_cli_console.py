"""``cloudca instances console NAME``: piped lines are typed on the console, its answers printed.

Against a live server on the simulator, whose stand-in console echoes and runs ``echo`` and
``hostname`` (a real guest's console is typed on in tests/e2e/test_libvirt_day_two.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from cloudca import Client
from cloudca.cli import app
from cloudca.cli.exit_codes import ExitCode
from tests.live import LiveServer, run_server


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: an instance on the session's server would change the goldens of others."""
    with run_server(tmp_path_factory.mktemp("console-server")) as server:
        yield server


@pytest.fixture(scope="module")
def environment(console_server: LiveServer) -> dict[str, str | None]:
    live_server = console_server
    return {
        "CLOUDCA_API_URL": live_server.url,
        "CLOUDCA_API_KEY": live_server.api_key,
        "CLOUDCA_CONFIG": str(live_server.data_dir / "no-config.toml"),
        "CLOUDCA_SERVICE": "compute-qc",
        "CLOUDCA_ENVIRONMENT": "prod",
        "CLOUDCA_PROFILE": None,
    }


@pytest.fixture(scope="module")
def instance_name(console_server: LiveServer) -> Iterator[str]:
    live_server = console_server
    with Client(api_url=live_server.url, api_key=live_server.api_key) as client:
        env = client.environment("compute-qc", "prod")
        template = next(t for t in env.templates.list() if t.name == "Debian 12")
        offering = next(o for o in env.compute_offerings.list() if o.name == "1vCPU.512MB")
        instance = env.instances.create(
            name="console-cli",
            template_id=template.id,
            compute_offering_id=offering.id,
            network_id=env.networks.list()[0].id,
            wait=True,
        )
        yield "console-cli"
        env.instances.destroy(instance.id, purge_immediately=True, wait=True)


def test_piped_lines_are_typed_on_the_console_and_its_answers_printed(
    environment: dict[str, str | None], instance_name: str
) -> None:
    result = CliRunner().invoke(
        app,
        ["instances", "console", instance_name, "--idle", "1"],
        input="echo typed-through-the-cli\nhostname\n",
        env=environment,
    )

    assert result.exit_code == ExitCode.OK, result.output
    lines = result.stdout.replace("\r\n", "\n").splitlines()
    # Each command line is echoed with the prompt; its answer follows on a line of its own.
    assert "typed-through-the-cli" in lines
    assert instance_name in lines


def test_the_console_of_a_stopped_instance_is_refused_with_the_exit_code_of_its_state(
    environment: dict[str, str | None], instance_name: str
) -> None:
    runner = CliRunner()
    stopped = runner.invoke(app, ["instances", "stop", instance_name], env=environment)
    assert stopped.exit_code == ExitCode.OK, stopped.output
    try:
        result = runner.invoke(app, ["instances", "console", instance_name], input="", env=environment)
        assert result.exit_code == ExitCode.INVALID_STATE, result.output
        assert "running state" in result.stderr
    finally:
        runner.invoke(app, ["instances", "start", instance_name], env=environment)
