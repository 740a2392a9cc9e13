"""Seeding cloudca through its own API: find the catalog, create instances, wait for their tasks."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

SERVICE_PATH = "/v1/services/compute-qc/prod"
WAIT_SECONDS = 30
MAX_POLLS = 10


class SeedingError(RuntimeError):
    """cloudca answered the seeding requests in a way the benchmark cannot use."""


@dataclass(frozen=True)
class Catalog:
    """What a create needs: a ready template, a fixed-size offering, networks of a matching zone."""

    template_id: str
    compute_offering_id: str
    network_ids: tuple[str, ...]
    addresses: int

    def create_body_template(self) -> str:
        """The create request body, with ``{networkId}`` for the load generator to fill in."""
        body = {
            "name": "bench",
            "templateId": self.template_id,
            "computeOfferingId": self.compute_offering_id,
            "networkId": "{networkId}",
        }
        return json.dumps(body, separators=(",", ":"))

    def create_body(self, network_id: str) -> dict[str, str]:
        return json.loads(self.create_body_template().replace("{networkId}", network_id))  # type: ignore[no-any-return]


def _data(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise SeedingError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
        )
    return response.json()["data"]


def _usable_addresses(cidr: str | None) -> int:
    if not cidr:
        return 0
    return max(0, ipaddress.ip_network(cidr, strict=False).num_addresses - 3)


def discover(client: httpx.Client) -> Catalog:
    """Pick the template, compute offering and networks the benchmark creates instances with."""
    templates = [t for t in _data(client.get(f"{SERVICE_PATH}/templates")) if t.get("isReady", True)]
    offerings = [o for o in _data(client.get(f"{SERVICE_PATH}/computeofferings")) if not o.get("custom")]
    networks = _data(client.get(f"{SERVICE_PATH}/networks"))
    if not templates or not offerings or not networks:
        raise SeedingError("cloudca's seeded catalog lacks a ready template, a fixed offering or a network")
    offering = min(offerings, key=lambda o: (o.get("memoryInMB", 0), o.get("cpuCount", 0)))
    for template in templates:
        zones = set(template.get("availableInZones") or [])
        usable = [n for n in networks if not zones or n.get("zoneId") in zones]
        if usable:
            return Catalog(
                template_id=template["id"],
                compute_offering_id=offering["id"],
                network_ids=tuple(n["id"] for n in usable),
                addresses=sum(_usable_addresses(n.get("cidr")) for n in usable),
            )
    raise SeedingError("no template is available in the zone of any seeded network")


async def wait_for_task(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    """Long-poll a task until it ends; at most ``MAX_POLLS`` polls of ``WAIT_SECONDS`` each."""
    for _ in range(MAX_POLLS):
        response = await client.get(f"/v1/tasks/{task_id}", params={"wait": WAIT_SECONDS})
        if response.status_code != 200:
            raise SeedingError(f"task {task_id}: HTTP {response.status_code} {response.text[:300]}")
        task: dict[str, Any] = response.json()
        if task.get("taskStatus") != "PENDING":
            return task
    raise SeedingError(f"task {task_id} still pending after {MAX_POLLS * WAIT_SECONDS} s")


async def _create_one(client: httpx.AsyncClient, body: dict[str, str]) -> tuple[str, str]:
    response = await client.post(f"{SERVICE_PATH}/instances", json=body)
    if response.status_code != 200:
        raise SeedingError(f"create: HTTP {response.status_code} {response.text[:300]}")
    envelope = response.json()
    task = (
        envelope
        if envelope.get("taskStatus") == "SUCCESS"
        else await wait_for_task(client, envelope["taskId"])
    )
    if task.get("taskStatus") != "SUCCESS":
        raise SeedingError(f"create task ended {task.get('taskStatus')}: {json.dumps(task)[:500]}")
    result = task.get("result") or task.get("data", {}).get("result") or {}
    return str(result["id"]), str(envelope["taskId"])


async def create_instances(
    base_url: str, api_key: str, catalog: Catalog, count: int, concurrency: int = 8
) -> list[tuple[str, str]]:
    """Create ``count`` instances through the API; returns (instance id, task id) pairs."""
    semaphore = asyncio.Semaphore(concurrency)
    timeout = httpx.Timeout(WAIT_SECONDS + 10)

    async with httpx.AsyncClient(
        base_url=base_url, headers={"MC-Api-Key": api_key}, timeout=timeout
    ) as client:

        async def create(index: int) -> tuple[str, str]:
            network = catalog.network_ids[index % len(catalog.network_ids)]
            async with semaphore:
                return await _create_one(client, catalog.create_body(network))

        return list(await asyncio.gather(*(create(index) for index in range(count))))


async def drain(base_url: str, api_key: str, task_id: str) -> float:
    """Wait until the task ``task_id`` (the last one a load run created) ends; returns seconds waited."""
    started = time.monotonic()
    timeout = httpx.Timeout(WAIT_SECONDS + 10)
    async with httpx.AsyncClient(
        base_url=base_url, headers={"MC-Api-Key": api_key}, timeout=timeout
    ) as client:
        await wait_for_task(client, task_id)
    return time.monotonic() - started
