"""``GET /v1/metrics`` (a cloudca extension): Prometheus' text format, for root administrators."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from cloudca.server.drivers.simulator import SimulatorDriver
from cloudca.server.instances import drift
from tests.api.conftest import ServeFactory
from tests.api.tenants import create_user, data
from tests.support import Api, error_of


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_show_hosts_unknown_machines_instances_and_tasks(
    serve: ServeFactory, catalog: dict[str, Any]
) -> None:
    driver = SimulatorDriver(hosts_per_zone=2)
    async with serve(driver=driver) as server:
        instance = await server.api.create_instance(catalog, name="counted")
        view = driver.machine(instance["id"])
        assert view is not None
        driver.silence_host(view.host_name)
        await drift.DriftMonitor(server.runtime.database, driver, sweep_seconds=0).mark_hosts()

        response = await server.http.get("/v1/metrics")

        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        samples = _samples(response.text)
        hosts = {"sim-qc-1-host-1", "sim-qc-1-host-2"}
        up = {host: samples[("cloudca_host_up", (("host", host), ("zone", "QC-1")))] for host in hosts}
        assert up == {host: 0.0 if host == view.host_name else 1.0 for host in hosts}
        used = (("host", view.host_name), ("use", "used"), ("zone", "QC-1"))
        assert samples[("cloudca_host_cpus", used)] > 0
        for host in hosts:
            assert samples[("cloudca_unknown_machines", (("host", host),))] == 0.0
        assert samples[("cloudca_instances", (("state", "Running"),))] == 1.0
        assert samples[("cloudca_tasks", (("status", "SUCCESS"),))] >= 1.0
        assert ("cloudca_drift_corrections_total", ()) in samples


async def test_metrics_are_for_administrators_of_the_root_organization(api: Api) -> None:
    _, member = await create_user(api, "watcher")
    refused = await api.http.get("/v1/metrics", headers={"MC-Api-Key": member})
    assert refused.status_code == 403 and error_of(refused)["errorCode"] == "FORBIDDEN"
    child = data(await api.http.post("/v1/organizations", json={"name": "Child", "entryPoint": "child"}))
    _, child_admin = await create_user(
        api, "childadmin", organization_id=child["id"], roles=[{"name": "Administrator"}]
    )
    refused = await api.http.get("/v1/metrics", headers={"MC-Api-Key": child_admin})
    assert refused.status_code == 403 and error_of(refused)["errorCode"] == "FORBIDDEN"
    anonymous = await api.http.get("/v1/metrics", headers={"MC-Api-Key": ""})
    assert anonymous.status_code == 401
