"""Several libvirt hosts behind one driver (``CLOUDCA_LIBVIRT_HOSTS``): routing, and a silent host.

Host ``a`` is libvirt's test URI; host ``b`` a socket nobody listens on (a host that stopped
answering). Two real daemons in two namespaces are tests/e2e/test_libvirt_day_two.py's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cloudca.server.drivers.base import DriverError, PowerState
from tests import libvirt_support
from tests.drivers.conftest import SpecFactory
from tests.libvirt_support import libvirt_backend  # noqa: F401 - a fixture

pytestmark = pytest.mark.libvirt


def test_hosts_are_name_uri_pairs() -> None:
    pytest.importorskip("libvirt")
    from cloudca.server.drivers.libvirt._hosts import parse_hosts

    assert parse_hosts(" a=qemu+ssh://a/system , b=qemu:///system?socket=/run/b ") == {
        "a": "qemu+ssh://a/system",
        "b": "qemu:///system?socket=/run/b",
    }
    for wrong in ("a", "=qemu:///system", "a=", "a=x,a=y"):
        with pytest.raises(ValueError):
            parse_hosts(wrong)


@pytest.fixture
async def hosts(libvirt_backend: Any) -> AsyncIterator[Any]:  # noqa: F811 - the imported fixture
    from cloudca.server.drivers.libvirt import LibvirtDriver
    from cloudca.server.drivers.libvirt._hosts import LibvirtHosts

    libvirt_support.reset_backend()

    def host(name: str, uri: str) -> LibvirtDriver:
        return LibvirtDriver(
            uri=uri,
            zone_name="QC-1",
            state_dir=libvirt_backend.state_dir / name,
            host_memory_mb=16384,
            image_dir=libvirt_backend.image_dir,
            host_name=name,
            shutdown_timeout=5,
            nft_command=("ip", "netns", "exec", libvirt_backend.namespace, "nft"),
        )

    driver = LibvirtHosts(
        {"a": host("a", libvirt_support.TEST_URI), "b": host("b", "qemu:///system?socket=/nonexistent/sock")}
    )
    yield driver
    await driver.close()


async def test_a_silent_host_is_left_out_and_named(hosts: Any) -> None:
    offered = await hosts.hosts()

    assert [host.name for host in offered] == ["a"]
    assert hosts.unreachable_hosts() == frozenset({"b"})
    assert [report.host_name for report in await hosts.list_machines()] == ["a"]  # The test URI's own domain.


async def test_machines_go_to_their_host_and_silence_is_not_absence(hosts: Any) -> None:
    host = (await hosts.hosts())[0]
    spec = SpecFactory().machine(host)

    await hosts.create(spec)
    await hosts.start(spec.instance_id)

    assert await hosts.power_state(spec.instance_id) is PowerState.RUNNING
    # A machine no reachable host has may be on the silent one: the driver cannot say it is gone.
    with pytest.raises(DriverError):
        await hosts.power_state("instance-nobody-has")
    with pytest.raises(DriverError):
        await hosts.create(SpecFactory().machine(host, host_name="c"))
