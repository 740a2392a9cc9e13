"""The peer: moto's EC2 server (``moto[server]`` from PyPI), the emulator people use for EC2 in tests.

It runs as its own process on loopback, pinned to the server CPU like every other side, and is
driven by the same wrk harness with the calls of EC2's query API that match cloudca's scenarios:

| scenario | cloudca | EC2 (form-encoded POST /) |
|---|---|---|
| ``get_instance`` | GET one instance | ``DescribeInstances`` of one ``InstanceId`` |
| ``list_100`` | GET a page of 100 instances | ``DescribeInstances`` with ``MaxResults=100``, 100 instances |
| ``post_create`` | POST a create | ``RunInstances`` of one instance |

moto checks no signature: the ``Authorization`` header below only names the service (EC2) and the
region in a SigV4-shaped credential scope, which is how moto's server routes a request. No AWS
credentials exist or are needed. moto runs an instance at once, with no task to wait for, so the
task scenarios have no EC2 counterpart.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import httpx

from bench.processes import LOOPBACK, ServerProcess, free_port

VERSION = "2016-11-15"
#: Routing only (service and region); moto verifies no signature.
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0"
)
#: One of the images moto ships in its default catalog.
IMAGE_ID = "ami-12c6146b"
SEEDED_INSTANCES = 100
_INSTANCE_ID = re.compile(r"<instanceId>(i-[0-9a-f]+)</instanceId>")


class Ec2Error(RuntimeError):
    """moto is missing or answered the seeding calls in a way the benchmark cannot use."""


def action(name: str, **params: str) -> str:
    """A form-encoded EC2 query: ``Action=name&Version=...&key=value...`` (values need no escaping)."""
    return "&".join(f"{key}={value}" for key, value in {"Action": name, "Version": VERSION, **params}.items())


def run_instances(count: int = 1) -> str:
    return action(
        "RunInstances", ImageId=IMAGE_ID, MinCount=str(count), MaxCount=str(count), InstanceType="t2.micro"
    )


def describe_instance(instance_id: str) -> str:
    return action("DescribeInstances", **{"InstanceId.1": instance_id})


def describe_page() -> str:
    return action("DescribeInstances", MaxResults=str(SEEDED_INSTANCES))


def moto_command() -> list[str]:
    """``moto_server`` of this interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).parent / "moto_server"
    found = str(beside) if beside.exists() else shutil.which("moto_server")
    if not found:
        raise Ec2Error("moto's server is not installed: pip install -e '.[bench]' (moto[server])")
    return [found]


def _post(client: httpx.Client, base_url: str, body: str) -> str:
    response = client.post(
        f"{base_url}/",
        content=body,
        headers={"Authorization": AUTHORIZATION, "Content-Type": "application/x-www-form-urlencoded"},
    )
    if response.status_code != 200:
        raise Ec2Error(f"moto: {body.split('&')[0]}: HTTP {response.status_code} {response.text[:300]}")
    return response.text


def start_moto(work_dir: Path, cpu: int) -> tuple[ServerProcess, str, str]:
    """moto's server with ``SEEDED_INSTANCES`` instances run through its API; returns the process,
    its base URL and the first instance's id."""
    port = free_port()
    # No AWS settings of the machine reach moto: the benchmark talks to nothing but loopback.
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    command = [*moto_command(), "-H", LOOPBACK, "-p", str(port)]
    server = ServerProcess("moto", command, cpu=cpu, env=env, log_path=work_dir / "moto.log", cwd=work_dir)
    base_url = f"http://{LOOPBACK}:{port}"
    try:
        server.wait_ready(f"{base_url}/moto-api/data.json", {})
        with httpx.Client(timeout=30) as client:
            created = _INSTANCE_ID.findall(_post(client, base_url, run_instances(SEEDED_INSTANCES)))
    except BaseException:
        server.stop()
        raise
    if len(created) != SEEDED_INSTANCES:
        server.stop()
        raise Ec2Error(f"moto ran {len(created)} of {SEEDED_INSTANCES} instances")
    return server, base_url, created[0]


def time_alone(base_url: str, instance_id: str) -> dict[str, float]:
    """Seconds one call of each scenario takes with nothing else running (describe first: a run
    adds an instance)."""
    timings: dict[str, float] = {}
    with httpx.Client(timeout=60) as client:
        for key, body in (
            ("get_instance", describe_instance(instance_id)),
            ("list_100", describe_page()),
            ("post_create", run_instances()),
        ):
            started = time.perf_counter()
            _post(client, base_url, body)
            timings[key] = round(time.perf_counter() - started, 4)
    return timings
