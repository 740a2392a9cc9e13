"""The web console end to end in chromium: sign in, register a key, create an instance with that key,
a data disk and a forwarded port, stop and start it, reset its password, destroy it; on the way, a
screenshot of every page with real data, a state change made elsewhere shown within a second, and
an API error shown in words with the contract's code."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import KEY
from tests.live import LiveServer

pytestmark = [
    pytest.mark.browser,
    # The console only speaks HTTP to a server on its embedded default; the PostgreSQL pass of the
    # suite has nothing to add to it.
    pytest.mark.skipif(
        bool(os.environ.get("CLOUDCA_TEST_DATABASE_URL")), reason="runs once, in the SQLite pass"
    ),
]

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbm0bHHzG3Bf9fm1ryN5jZ1Nd1C1vHXbNHo1qq3RBes me@laptop"
ENV = "/services/compute-qc/prod"
#: A state change must reach an open page within this long (the page refreshes every second).
LIVE_MS = 2500
#: A task of the simulator ends in milliseconds; the machine running the tests may be slow.
TASK_MS = 20_000


@pytest.fixture(scope="module")
def page(browser: Any, console_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 860}, device_scale_factor=1)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_default_timeout(TASK_MS)
    yield page
    context.close()
    assert not problems, problems  # no uncaught script error on any page


def shoot(page: Any, folder: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.getElementById('toasts').replaceChildren()")  # the page, not the news
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def api(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"MC-Api-Key": KEY}, timeout=30)


def row(page: Any, name: str) -> Any:
    return page.locator(f'tr[data-name="{name}"]')


def test_console_end_to_end(page: Any, console_server: LiveServer, screenshots: Path) -> None:
    from playwright.sync_api import expect

    base = console_server.url.removesuffix("/v1")
    page.goto(base + "/")
    assert page.url.endswith("/console")

    # Signing in: a wrong key is refused in words, with the contract's code.
    page.fill('[data-test="api-key"]', "not-a-key")
    page.click('[data-test="sign-in"]')
    expect(page.locator(".error-box")).to_contain_text("UNAUTHORIZED")
    shoot(page, screenshots, "01-sign-in")
    page.fill('[data-test="api-key"]', KEY)
    page.click('[data-test="sign-in"]')
    expect(page.locator('[data-test="environment"]')).to_contain_text("compute-qc / prod")
    expect(page.locator(".empty")).to_contain_text("No instances yet")
    assert page.evaluate("sessionStorage.getItem('cloudca.apiKey')") == KEY
    assert page.evaluate("localStorage.length") == 0

    # An SSH key.
    page.click('a[data-nav="ssh-keys"]')
    page.click('[data-test="register-key"]')
    page.fill('input[name="name"]', "laptop")
    page.fill('textarea[name="publicKey"]', PUBLIC_KEY)
    page.click('[data-test="submit-key"]')
    expect(row(page, "laptop")).to_contain_text(re.compile(r"([0-9a-f]{2}:){15}[0-9a-f]{2}"))
    shoot(page, screenshots, "05-ssh-keys")

    # An instance with the key, a data disk and port 22 forwarded; its password is shown once.
    page.click('a[data-nav="instances"]')
    page.click('[data-test="create-instance"]')
    dialog = page.locator(".dialog")
    dialog.locator('input[name="name"]').fill("jarvis")
    dialog.locator('select[name="templateId"]').select_option(label="CentOS 6.8 PV")
    dialog.locator('select[name="computeOfferingId"]').select_option(label="1vCPU.512MB")
    dialog.locator('select[name="networkId"]').select_option(index=1)
    dialog.locator('select[name="sshKeyName"]').select_option("laptop")
    dialog.locator('input[name="portsToForward"]').fill("22")
    dialog.locator('select[name="diskOfferingId"]').select_option(label="20GB - 20 IOPS Min.")
    dialog.locator('textarea[name="userData"]').fill("#cloud-config\npackages: [nginx]\n")
    shoot(page, screenshots, "03-create-instance")
    page.click('[data-test="submit-create"]')
    expect(page.locator('[data-test="password"]')).not_to_be_empty()
    page.click('[data-test="done"]')
    jarvis = row(page, "jarvis")
    expect(jarvis.locator(".badge")).to_have_attribute("data-state", "Running")
    instance_id = jarvis.get_attribute("data-id")
    with api(console_server) as client:
        created = client.get(f"{ENV}/instances/{instance_id}").json()["data"]
    assert created["sshKeyName"] == "laptop" and created["publicIps"][0]["ports"] == ["22"]
    assert created["userData"].startswith("#cloud-config")

    # A second instance, made elsewhere, appears and changes state live.
    with api(console_server) as client:
        task = client.post(
            f"{ENV}/instances",
            json={
                "name": "ultron",
                "templateId": created["templateId"],
                "computeOfferingId": created["computeOfferingId"],
                "networkId": created["networkId"],
            },
        ).json()["taskId"]
        ultron_id = client.get(f"/tasks/{task}", params={"wait": 30}).json()["result"]["id"]
        ultron = row(page, "ultron").locator(".badge")
        expect(ultron).to_have_attribute("data-state", "Running", timeout=LIVE_MS)
        task = client.post(f"{ENV}/instances/{ultron_id}", params={"operation": "stop"}).json()["taskId"]
        client.get(f"/tasks/{task}", params={"wait": 30})
        expect(ultron).to_have_attribute("data-state", "Stopped", timeout=LIVE_MS)
    shoot(page, screenshots, "02-instances")

    # Stop and start from the console (stop asks first).
    jarvis.locator('[data-test="op-stop"]').click()
    page.click('[data-test="confirm"]')
    expect(jarvis.locator(".badge")).to_have_attribute("data-state", "Stopped")
    jarvis.locator('[data-test="op-start"]').click()
    expect(jarvis.locator(".badge")).to_have_attribute("data-state", "Running")

    # The instance page: volumes, the forwarded port, NICs, its tasks; reset the password there.
    jarvis.locator("a").first.click()
    detail = page.locator(f'[data-instance="{instance_id}"]')
    expect(detail).to_contain_text("ROOT-jarvis")
    expect(detail).to_contain_text(":22")
    expect(detail).to_contain_text(created["ipAddress"])
    expect(detail.locator('tr[data-status="SUCCESS"]')).to_have_count(3)
    detail.locator('[data-test="op-resetPassword"]').click()
    page.click('[data-test="confirm"]')
    expect(page.locator('[data-test="password"]')).to_have_text(re.compile(r"\S{6,}"))
    shoot(page, screenshots, "04-instance-password")
    page.click('[data-test="done"]')
    expect(detail.locator('tr[data-status="SUCCESS"]')).to_have_count(4)
    shoot(page, screenshots, "04-instance")

    # Volumes: snapshot the data disk.
    page.click('a[data-nav="volumes"]')
    data_volume = page.locator("tr[data-name]").filter(has_text="data").first
    data_volume.locator('[data-test="snapshot"]').click()
    expect(page.locator(".card").nth(1).locator("tbody tr")).to_have_count(1)
    shoot(page, screenshots, "06-volumes")

    # Public IPs: forwarding port 22 again is refused, in words, with the contract's code.
    page.click('a[data-nav="public-ips"]')
    address = created["publicIps"][0]["ipAddress"]
    expect(page.locator(f'tr[data-address="{address}"]')).to_contain_text("port forwarding")
    page.click('[data-test="forward-port"]')
    dialog = page.locator(".dialog")
    dialog.locator('select[name="ipAddressId"]').select_option(index=1)
    dialog.locator('select[name="instanceId"]').select_option(label=f"jarvis ({created['ipAddress']})")
    dialog.locator('input[name="publicPortStart"]').fill("22")
    dialog.locator("button.primary").click()
    expect(dialog.locator(".error-box")).to_contain_text("DUPLICATE")
    expect(dialog.locator(".error-box")).to_contain_text("code 2015")
    shoot(page, screenshots, "07-public-ips-error")
    page.keyboard.press("Escape")
    shoot(page, screenshots, "07-public-ips")

    page.click('a[data-nav="networks"]')
    expect(page.locator('tr[data-name="Web-prod"]')).to_be_visible()
    shoot(page, screenshots, "08-networks")

    page.click('a[data-nav="tasks"]')
    expect(page.locator('tr[data-task][data-status="SUCCESS"]').first).to_be_visible()
    shoot(page, screenshots, "09-tasks")

    # Destroy with everything it held, purged: it leaves the table.
    page.click('a[data-nav="instances"]')
    jarvis.locator('[data-test="op-destroy"]').click()
    dialog = page.locator(".dialog")
    dialog.locator('input[name="purge"]').check()
    dialog.locator('select[name="ips"]').select_option(index=0)
    dialog.locator('select[name="volumes"]').select_option(index=0)
    page.click('[data-test="confirm"]')
    expect(jarvis).to_have_count(0)
    with api(console_server) as client:
        assert client.get(f"{ENV}/instances/{instance_id}").status_code == 404
        left = client.get(f"{ENV}/publicipaddresses", params={"instance_id": instance_id}).json()
        assert left["data"] == []
