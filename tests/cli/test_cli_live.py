"""The ``cloudca`` command against a real ``cloudca serve``: every command, errors, exit codes, goldens.

Golden files hold ``--output json`` with ids, timestamps, MACs and passwords replaced by stable
placeholders; regenerate them with ``CLOUDCA_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cloudca.cli import app
from cloudca.cli.exit_codes import ExitCode
from tests.cli.invoke import Run, cli_against
from tests.live import LiveServer

GOLDEN = Path(__file__).with_name("golden")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
MAC = re.compile(r"02(:[0-9a-f]{2}){5}")
SSH_PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbm0bHHzG3Bf9fm1ryN5jZ1Nd1C1vHXbNHo1qq3RBes cli-tests\n"
)


@pytest.fixture(scope="module")
def cli(live_server: LiveServer) -> Run:
    """Run ``cloudca ARGS`` in-process against the live server; returns the click result."""
    return cli_against(live_server)


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def normalized(payload: Any) -> Any:
    """Replace what differs from run to run with placeholders (the same id gets the same one)."""
    text = json.dumps(payload, indent=2, ensure_ascii=False)
    ids: dict[str, str] = {}
    text = UUID.sub(lambda m: ids.setdefault(m.group(0), f"<id-{len(ids) + 1}>"), text)
    text = TIMESTAMP.sub("<timestamp>", text)
    text = MAC.sub("<mac>", text)
    return re.sub(r'"password": "[^"]*"', '"password": "<password>"', text) + "\n"


def assert_golden(name: str, payload: Any) -> None:
    path = GOLDEN / f"{name}.json"
    actual = normalized(payload)
    if os.environ.get("CLOUDCA_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden {path.name}: run with CLOUDCA_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


CREATE = ["--template", "Ubuntu 24.04 LTS", "--offering", "1vCPU.1GB", "--network", "Web-prod"]


class TestHelp:
    def test_every_command_has_help(self) -> None:
        runner = CliRunner()
        import typer.main

        root = typer.main.get_command(app)
        paths: list[list[str]] = [[]]
        for name, command in root.commands.items():  # type: ignore[attr-defined]
            paths.append([name])
            paths.extend([name, sub] for sub in getattr(command, "commands", {}))
        for path in paths:
            result = runner.invoke(app, [*path, "--help"])
            assert result.exit_code == 0, path
            assert "Usage: cloudca" in result.stdout
        assert len(paths) > 60

    def test_installed_entry_point_and_serve_registered(self) -> None:
        script = Path(sys.executable).with_name("cloudca")
        result = subprocess.run(
            [str(script), "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0 and "--data-dir" in result.stdout
        version = subprocess.run(
            [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
        assert version.stdout.startswith("cloudca ")


class TestCatalogueGoldens:
    @pytest.mark.parametrize(
        "resource",
        [
            "zones",
            "templates",
            "compute-offerings",
            "disk-offerings",
            "vpc-offerings",
            "network-offerings",
            "vpcs",
            "networks",
            "environments",
        ],
    )
    def test_list_json_golden(self, cli: Any, resource: str) -> None:
        assert_golden(f"{resource}-list", as_json(cli(resource, "list", "-o", "json")))

    def test_get_by_name_and_table(self, cli: Any) -> None:
        offering = as_json(cli("compute-offerings", "get", "1vCPU.1GB", "-o", "json"))
        assert offering["memoryInMB"] == 1024
        assert as_json(cli("compute-offerings", "get", offering["id"], "-o", "json")) == offering
        table = cli("networks", "list", "-o", "table").stdout
        assert table.splitlines()[0].split()[:3] == ["ID", "NAME", "CIDR"] and "Web-prod" in table
        filtered = as_json(
            cli("networks", "list", "--filter", f"vpc_id={as_json(cli('vpcs', 'list'))[0]['id']}")
        )
        assert {n["name"] for n in filtered} >= {"Web-prod"}


class TestInstances:
    def test_lifecycle(self, cli: Any) -> None:
        created = as_json(cli("instances", "create", "cli-one", *CREATE, "-o", "json"))
        assert created["state"] == "Running" and created["name"] == "cli-one"
        assert_golden("instances-create", created)
        assert "cli-one" in {i["name"] for i in as_json(cli("instances", "list"))}
        assert as_json(cli("instances", "stop", "cli-one"))["state"] == "Stopped"
        refused = cli("instances", "stop", "cli-one", "-o", "json", expect=ExitCode.INVALID_STATE)
        [error] = json.loads(refused.stderr)["errors"]
        assert (error["code"], error["errorCode"]) == (2012, "INVALID_STATE")
        assert error["context"]["expectedStates"] == ["Running"]
        explained = cli("instances", "stop", "cli-one", "-o", "table", expect=ExitCode.INVALID_STATE)
        assert "Error [INVALID_STATE]" in explained.stderr and "expectedStates: Running" in explained.stderr
        assert as_json(cli("instances", "start", "cli-one"))["state"] == "Running"
        assert as_json(cli("instances", "reboot", created["id"]))["state"] == "Running"
        assert as_json(cli("instances", "update", "cli-one", "--name", "cli-uno"))["name"] == "cli-uno"
        refused = cli("instances", "reset-password", "cli-uno", expect=ExitCode.INVALID_REQUEST)
        assert "not password enabled" in refused.stderr  # Ubuntu's template has no password
        debian = as_json(cli("instances", "create", "cli-debian", *CREATE[2:], "--template", "Debian 12"))
        assert debian["password"]
        reset = as_json(cli("instances", "reset-password", "cli-debian"))
        assert reset["password"] and reset["password"] != debian["password"]
        cli("instances", "destroy", "cli-debian", "--purge")
        changed = as_json(cli("instances", "change-offering", "cli-uno", "2vCPU.4GB"))
        assert (changed["cpuCount"], changed["memoryInMB"]) == (2, 4096)
        custom = as_json(
            cli(
                "instances",
                "change-offering",
                "cli-uno",
                "Custom CPU and memory",
                "--cpu",
                "2",
                "--memory",
                "2048",
            )
        )
        assert (custom["cpuCount"], custom["memoryInMB"]) == (2, 2048)
        assert as_json(cli("instances", "destroy", "cli-uno"))["state"] == "Destroyed"
        assert as_json(cli("instances", "recover", "cli-uno"))["state"] == "Stopped"
        cli("instances", "destroy", "cli-uno")
        cli("instances", "purge", "cli-uno")
        gone = cli("instances", "get", created["id"], expect=ExitCode.NOT_FOUND)
        assert "NOT_FOUND" in gone.stderr

    def test_no_wait_prints_the_task_and_tasks_wait(self, cli: Any) -> None:
        task = as_json(cli("instances", "create", "cli-two", *CREATE, "--no-wait"))
        assert set(task) == {"taskId", "taskStatus"}
        assert cli("instances", "create", "cli-two-b", *CREATE, "--no-wait", "-o", "table").stdout.strip()
        result = as_json(cli("tasks", "wait", task["taskId"]))
        assert result["name"] == "cli-two"
        status = as_json(cli("tasks", "get", task["taskId"]))
        assert status["taskStatus"] == "SUCCESS" and status["result"]["id"] == result["id"]
        cli("tasks", "get", "00000000-0000-4000-8000-000000000000", expect=ExitCode.NOT_FOUND)
        cli("instances", "destroy", "cli-two", "--purge")

    def test_names_resolve_or_explain(self, cli: Any) -> None:
        cli("instances", "create", "cli-dup", *CREATE)
        cli("instances", "create", "cli-dup", *CREATE)
        ambiguous = cli("instances", "get", "cli-dup", "-o", "json", expect=ExitCode.USAGE)
        [error] = json.loads(ambiguous.stderr)["errors"]
        assert error["errorCode"] == "AMBIGUOUS_NAME" and len(error["context"]["candidates"]) == 2
        explained = cli("instances", "get", "cli-dup", "-o", "table", expect=ExitCode.USAGE)
        assert "candidates:" in explained.stderr and explained.stderr.count("cli-dup  ") == 2
        missing = cli("instances", "get", "no-such-instance", expect=ExitCode.NOT_FOUND)
        assert "candidates" in missing.stderr
        bad_template = cli(
            "instances",
            "create",
            "x",
            "--template",
            "nope",
            "--offering",
            "1vCPU.1GB",
            "--network",
            "Web-prod",
            expect=ExitCode.NOT_FOUND,
        )
        assert "Ubuntu 24.04 LTS" in bad_template.stderr
        for instance in as_json(cli("instances", "list")):
            if instance["name"] == "cli-dup":
                cli("instances", "destroy", instance["id"], "--purge")

    def test_server_validation_is_invalid_request(self, cli: Any) -> None:
        refused = cli(
            "instances",
            "create",
            "x",
            *CREATE,
            "--cpu",
            "3",
            "--offering",
            "Custom CPU and memory",
            expect=ExitCode.INVALID_REQUEST,
        )
        assert "INVALID_FIELD" in refused.stderr or "MISSING_FIELD" in refused.stderr


class TestConnectionErrors:
    def test_unreachable_unauthorized_and_unconfigured(self, cli: Any, live_server: Any) -> None:
        runner = CliRunner()
        base = {"CLOUDCA_CONFIG": str(live_server.data_dir / "no-config.toml")}
        down = runner.invoke(
            app, ["--api-url", "http://127.0.0.1:9/v1", "--api-key", "k", "zones", "list"], env=base
        )
        assert down.exit_code == ExitCode.UNREACHABLE and "Cannot reach" in down.stderr
        wrong = runner.invoke(
            app, ["--api-url", live_server.url, "--api-key", "wrong", "zones", "list"], env=base
        )
        assert wrong.exit_code == ExitCode.UNAUTHORIZED
        unset = runner.invoke(app, ["zones", "list"], env={**base, "CLOUDCA_API_KEY": None})
        assert unset.exit_code == ExitCode.USAGE and "CLOUDCA_API_KEY" in unset.stderr
        usage = runner.invoke(app, ["instances", "frobnicate"])
        assert usage.exit_code == ExitCode.USAGE
        assert cli("-s", "compute-qc", "-e", "nowhere", "zones", "list", expect=ExitCode.NOT_FOUND)


class TestResourcesAroundInstances:
    def test_ssh_keys(self, cli: Any, live_server: Any, tmp_path: Path) -> None:
        key_file = tmp_path / "id.pub"
        key_file.write_text(SSH_PUBLIC_KEY)
        key = as_json(cli("ssh-keys", "register", "cli-key", str(key_file)))
        assert key["name"] == "cli-key" and key["fingerprint"]
        assert as_json(cli("ssh-keys", "get", "cli-key"))["id"] == key["id"]
        created = as_json(cli("instances", "create", "cli-keyed", *CREATE))
        assert (
            as_json(cli("instances", "associate-ssh-key", "cli-keyed", "cli-key"))["sshKeyName"] == "cli-key"
        )
        cli("instances", "destroy", created["id"], "--purge")
        cli("ssh-keys", "delete", "cli-key")
        cli("ssh-keys", "get", "cli-key", expect=ExitCode.NOT_FOUND)

    def test_volumes_snapshots(self, cli: Any, live_server: Any) -> None:
        instance = as_json(cli("instances", "create", "cli-vol", *CREATE))
        offering = next(o for o in as_json(cli("disk-offerings", "list")) if not o.get("customSize"))
        volume = as_json(
            cli("volumes", "create", "cli-data", "--offering", offering["id"], "--instance", "cli-vol")
        )
        assert volume["instanceId"] == instance["id"]
        assert "instanceId" not in as_json(cli("volumes", "detach", "cli-data"))
        snapshot = as_json(cli("volumes", "snapshot", "cli-data"))
        assert snapshot["volumeId"] == volume["id"] and snapshot["sizeInBytes"] > 0
        assert as_json(cli("snapshots", "revert", snapshot["id"]))["id"] == snapshot["id"]
        cli("volumes", "attach", "cli-data", "--instance", "cli-vol")
        cli("volumes", "delete", "cli-data", expect=ExitCode.INVALID_STATE)
        cli("volumes", "detach", "cli-data")
        cli("volumes", "delete", "cli-data")
        cli("instances", "destroy", "cli-vol", "--purge")
        assert [s["id"] for s in as_json(cli("snapshots", "list"))] == [snapshot["id"]]
        cli("snapshots", "delete", snapshot["id"])
        assert as_json(cli("snapshots", "list")) == []

    def test_public_ips_and_port_forwarding(self, cli: Any, live_server: Any) -> None:
        instance = as_json(cli("instances", "create", "cli-ip", *CREATE))
        public_ip = as_json(cli("public-ips", "acquire", "--vpc", "prod-VPC"))
        rule = as_json(
            cli(
                "port-forwarding",
                "create",
                public_ip["id"],
                "--instance",
                "cli-ip",
                "--public-port",
                "8080",
                "--private-port",
                "80",
            )
        )
        assert (rule["publicPortStart"], rule["privatePortStart"]) == ("8080", "80")
        cli("port-forwarding", "delete", rule["id"])
        nat = as_json(cli("public-ips", "enable-static-nat", public_ip["ipAddress"], "--instance", "cli-ip"))
        assert nat["purposes"] == ["STATIC_NAT"] and nat["privateIpId"] == instance["ipAddressId"]
        cli("public-ips", "disable-static-nat", public_ip["id"])
        cli("public-ips", "release", public_ip["id"])
        cli("instances", "destroy", "cli-ip", "--purge")

    def test_affinity_groups(self, cli: Any, live_server: Any) -> None:
        as_json(cli("instances", "create", "cli-aff", *CREATE))
        group = as_json(cli("affinity-groups", "create", "cli-group", "--instance", "cli-aff"))
        assert group["type"] == "host anti-affinity" and len(group["instanceIds"]) == 1
        assert (
            as_json(cli("affinity-groups", "update", "cli-group", "--description", "d2"))["description"]
            == "d2"
        )
        cli("affinity-groups", "delete", "cli-group")
        cli("instances", "destroy", "cli-aff", "--purge")

    def test_nics_and_network_acls(self, cli: Any, live_server: Any) -> None:
        acl = as_json(cli("network-acls", "create", "cli-acl", "--vpc", "prod-VPC"))
        assert acl["name"] == "cli-acl"
        assert "default_allow" in {a["name"] for a in as_json(cli("network-acls", "list"))}
        cli("network-acls", "delete", "cli-acl")
        instance = as_json(cli("instances", "create", "cli-nic", *CREATE))
        nic = as_json(cli("nics", "create", "--instance", "cli-nic", "--network", "DB-prod"))
        assert nic["isDefault"] is False and nic["instanceId"] == instance["id"]
        assert as_json(cli("nics", "set-default", nic["id"]))["isDefault"] is True
        assert as_json(cli("instances", "get", "cli-nic"))["networkName"] == "DB-prod"
        cli("nics", "delete", instance["ipAddressId"])
        cli("instances", "destroy", "cli-nic", "--purge")
