"""What a new user meets in the first hour: tables that fit 80 columns, short ids that work back,
global options anywhere, post-operation state, refused options, readable help and config errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cloudca.cli._output import wait_with_spinner
from cloudca.cli.exit_codes import ExitCode
from tests.cli.invoke import Run, cli_against
from tests.live import LiveServer

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


CREATE_INSTANCE = ("instances", "create")
INSTANCE_OPTIONS = ("--template", "CentOS 6.8 PV", "--offering", "1vCPU.512MB", "--network", "Web-prod")


@pytest.fixture(scope="module")
def cli(live_server: LiveServer) -> Run:
    return cli_against(live_server, COLUMNS="80")


@pytest.fixture(scope="module")
def instance(cli: Run) -> dict[str, Any]:
    created = cli(
        *CREATE_INSTANCE,
        "first-hour-with-a-rather-long-name",
        *INSTANCE_OPTIONS,
        "--port",
        "22",
        "-o",
        "json",
    )
    result: dict[str, Any] = json.loads(created.stdout)
    return result


@pytest.mark.parametrize(
    "resource", ["instances", "templates", "compute-offerings", "networks", "volumes", "public-ips"]
)
def test_tables_fit_80_columns_with_short_ids(cli: Run, instance: dict[str, Any], resource: str) -> None:
    table = cli(resource, "list", "-o", "table").stdout
    lines = table.splitlines()
    assert len(lines) >= 2
    assert all(len(line) <= 80 for line in lines), table
    assert not UUID.search(table)
    assert lines[0].split()[0] == "ID"
    assert re.match(r"[0-9a-f]{8}  ", lines[1])
    # Cells wrap between words: every word on screen is a whole word of some value (or its start,
    # ending in an ellipsis), never a piece split in the middle.
    words = {"yes", "no"}
    for row in json.loads(cli(resource, "list", "-o", "json").stdout):
        for value in row.values():
            words.update(re.sub(r"[\[\]',{}]", " ", str(value)).split())
    for line in lines[1:]:
        for word in line.split()[1:]:
            assert word in words or (word.endswith("…") and any(w.startswith(word[:-1]) for w in words)), (
                word,
                table,
            )
    if resource == "instances":
        assert instance["name"] in table


def test_wide_shows_whole_ids_and_a_short_id_works_back(cli: Run, instance: dict[str, Any]) -> None:
    wide = cli("instances", "list", "-o", "table", "--wide").stdout
    assert instance["id"] in wide and instance["name"] in wide
    shown = cli("instances", "get", instance["id"][:8], "-o", "json").stdout
    assert json.loads(shown)["id"] == instance["id"]


def test_global_options_after_the_subcommand(cli: Run, live_server: Any) -> None:
    env: dict[str, str | None] = {"CLOUDCA_API_URL": None, "CLOUDCA_API_KEY": None}
    before = cli("--api-url", live_server.url, "--api-key", live_server.api_key, "zones", "list", env=env)
    after = cli("zones", "list", "--api-url", live_server.url, f"--api-key={live_server.api_key}", env=env)
    assert json.loads(before.stdout) == json.loads(after.stdout)
    cli("zones", "list", "-e", "prod", "-s", "compute-qc", "-o", "json")


def test_release_and_delete_show_the_state_after(cli: Run, instance: dict[str, Any]) -> None:
    acquired = json.loads(cli("public-ips", "acquire", "--vpc", "prod-VPC", "-o", "json").stdout)
    released = json.loads(cli("public-ips", "release", acquired["ipAddress"], "-o", "json").stdout)
    assert released["id"] == acquired["id"] and released["state"] == "Released"
    cli("public-ips", "get", acquired["id"], expect=ExitCode.NOT_FOUND)

    created = cli(
        "volumes",
        "create",
        "scratch",
        "--offering",
        "20GB - 20 IOPS Min.",
        "--instance",
        instance["id"],
        "-o",
        "json",
    )
    volume = json.loads(created.stdout)
    cli("volumes", "detach", volume["id"], "-o", "json")
    deleted = json.loads(cli("volumes", "delete", volume["id"], "-o", "json").stdout)
    assert deleted["id"] == volume["id"] and deleted["state"] == "Deleted"


def test_options_that_do_not_apply_are_refused(cli: Run, instance: dict[str, Any]) -> None:
    refused = cli(
        *CREATE_INSTANCE,
        "nope",
        *INSTANCE_OPTIONS,
        "--cpu",
        "4",
        expect=ExitCode.USAGE,
    )
    assert "--cpu" in refused.stderr and "fixed CPU and memory" in refused.stderr
    refused = cli(
        *CREATE_INSTANCE,
        "nope",
        *INSTANCE_OPTIONS,
        "--disk-size",
        "40",
        expect=ExitCode.USAGE,
    )
    assert "--disk-offering" in refused.stderr
    unknown = cli("volumes", "list", "-f", "colour=red", expect=ExitCode.USAGE)
    assert "unknown filter 'colour'" in unknown.stderr
    assert "none documented" not in cli("zones", "list", "--help").stdout


def test_help_tells_exit_codes_and_the_profile_format(cli: Run) -> None:
    text = cli("--help").stdout
    for code in ExitCode:
        assert re.search(rf"^\s+{code.value}\s+\S", text, flags=re.MULTILINE), code
    assert "[profiles.local]" in text and "api_key" in text
    assert "resize" not in cli("instances", "--help").stdout


def test_a_misspelled_profile_key_is_an_error(cli: Run, live_server: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.default]\napi_ulr = "{live_server.url}"\n', encoding="utf-8")
    result = cli("zones", "list", env={"CLOUDCA_CONFIG": str(config)}, expect=ExitCode.USAGE)
    assert "api_ulr" in result.stderr and "api_url" in result.stderr


class _InterruptedTask:
    id = "6a2f1c4e-0000-4000-8000-000000000001"

    def wait(self, timeout: float) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_while_waiting_tells_how_to_follow_the_task(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        wait_with_spinner(_InterruptedTask(), "Starting x", 60)  # type: ignore[arg-type]
    assert stopped.value.code == ExitCode.INTERRUPTED == 130
    said = capsys.readouterr().err
    assert _InterruptedTask.id in said and f"cloudca tasks wait {_InterruptedTask.id}" in said
