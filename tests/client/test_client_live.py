"""The SDK against a real ``cloudca serve``: every resource, sync and async.

Every entity type of the contract is served, so nothing here is skipped for want of an endpoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from cloudca import (
    AsyncClient,
    AuthenticationError,
    Client,
    EnvironmentClient,
    Instance,
    InvalidFieldError,
    InvalidStateError,
    MissingFieldError,
    NotFoundError,
    Task,
    TaskStatus,
)
from tests.live import LiveServer

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
SSH_PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbm0bHHzG3Bf9fm1ryN5jZ1Nd1C1vHXbNHo1qq3RBes cloudca-tests"
)


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Iterator[Client]:
    with Client(api_url=live_server.url, api_key=live_server.api_key) as client:
        yield client


@pytest.fixture(scope="module")
def env(client: Client) -> EnvironmentClient:
    return client.environment("compute-qc", "prod")


def create_params(env: EnvironmentClient, name: str) -> dict[str, Any]:
    template = next(t for t in env.templates.list() if t.is_ready is not False)
    offering = next(o for o in env.compute_offerings.list() if not o.custom)
    network = env.networks.list()[0]
    return {
        "name": name,
        "template_id": template.id,
        "compute_offering_id": offering.id,
        "network_id": network.id,
    }


@pytest.fixture
def instance(env: EnvironmentClient) -> Iterator[Instance]:
    created = env.instances.create(**create_params(env, "sdk-test"), wait=True, timeout=120)
    yield created
    with contextlib.suppress(NotFoundError, InvalidStateError):  # the test may have removed it
        env.instances.destroy(created.id, purge_immediately=True, wait=True, timeout=120)


class TestCatalogue:
    def test_environment_is_discoverable(self, client: Client) -> None:
        [prod] = [e for e in client.environments.list() if e.name == "prod"]
        assert prod.service_code == "compute-qc"
        assert client.environments.get(prod.id).name == "prod"
        assert any(c.service_code == "compute-qc" for c in client.service_connections.list())

    @pytest.mark.parametrize(
        "attribute",
        ["zones", "templates", "compute_offerings", "disk_offerings", "vpc_offerings", "network_offerings"],
    )
    def test_read_only_resources_list_and_get(self, env: EnvironmentClient, attribute: str) -> None:
        resource = getattr(env, attribute)
        items = resource.list()
        assert items, f"the seed provides {attribute}"
        assert resource.get(items[0].id) == items[0] or resource.get(items[0].id).id == items[0].id
        assert resource.resolve(items[0].name) in {item.id for item in items}

    def test_custom_offering_lists_choices(self, env: EnvironmentClient) -> None:
        custom = [o for o in env.compute_offerings.list() if o.custom]
        assert custom and custom[0].available_cpu_count_values and custom[0].available_memory_in_mb_values

    def test_vpcs_and_networks(self, env: EnvironmentClient) -> None:
        [vpc, *_] = env.vpcs.list()
        assert env.vpcs.get(vpc.id).name == vpc.name
        networks = env.networks.list()
        assert len(networks) >= 2 and all(n.vpc_id for n in networks)
        assert env.networks.get(networks[0].id).cidr


class TestInstanceLifecycle:
    def test_create_returns_a_running_instance_with_password(self, env: EnvironmentClient) -> None:
        task = env.instances.create(**create_params(env, "sdk-lifecycle"))
        assert isinstance(task, Task) and task.id
        instance = task.wait(timeout=120)
        assert isinstance(instance, Instance) and instance.state == "Running"
        if instance.is_password_enabled:
            assert instance.password
        fetched = env.instances.get(instance.id)
        assert fetched.password is None  # never returned by GET
        assert instance.id in {i.id for i in env.instances.list()}
        assert env.instances.resolve("sdk-lifecycle") == instance.id
        assert env.instances.destroy(instance.id, purge_immediately=True, wait=True) is not None

    def test_power_operations_and_invalid_state(self, env: EnvironmentClient, instance: Instance) -> None:
        assert env.instances.stop(instance.id, wait=True).state == "Stopped"
        with pytest.raises(InvalidStateError) as caught:
            env.instances.stop(instance.id)
        assert caught.value.code == 2012 and caught.value.error_code == "INVALID_STATE"
        assert caught.value.context["currentState"] == "Stopped"
        assert caught.value.context["expectedStates"] == ["Running"]
        assert env.instances.start(instance.id, wait=True).state == "Running"
        assert env.instances.reboot(instance.id, wait=True).state == "Running"

    def test_update_reset_password_and_change_offering(
        self, env: EnvironmentClient, instance: Instance
    ) -> None:
        assert env.instances.update(instance.id, name="renamed", wait=True).name == "renamed"
        if instance.is_password_enabled:
            assert env.instances.reset_password(instance.id, wait=True).password
        other = next(
            o for o in env.compute_offerings.list() if not o.custom and o.id != instance.compute_offering_id
        )
        changed = env.instances.change_compute_offering(instance.id, other.id, wait=True)
        assert changed.compute_offering_id == other.id and changed.state == "Running"
        custom = next(o for o in env.compute_offerings.list() if o.custom)
        cpu = (custom.available_cpu_count_values or [1])[0]
        memory = (custom.available_memory_in_mb_values or [1024])[0]
        resized = env.instances.change_compute_offering(
            instance.id, custom.id, cpu_count=cpu, memory_in_mb=memory, wait=True
        )
        assert (resized.cpu_count, resized.memory_in_mb) == (cpu, memory)

    def test_change_network(self, env: EnvironmentClient, instance: Instance) -> None:
        target = next(
            n for n in env.networks.list() if n.id != instance.network_id and n.zone_id == instance.zone_id
        )
        moved = env.instances.change_network(instance.id, target.id, wait=True)
        assert moved.network_id == target.id and moved.ip_address_id == instance.ip_address_id

    def test_destroy_recover_purge(self, env: EnvironmentClient, instance: Instance) -> None:
        destroyed = env.instances.destroy(instance.id, wait=True)
        assert destroyed is not None and destroyed.state == "Destroyed"
        with pytest.raises(InvalidStateError):
            env.instances.start(instance.id)
        assert env.instances.recover(instance.id, wait=True).state == "Stopped"
        env.instances.destroy(instance.id, wait=True)
        env.instances.purge(instance.id, wait=True)
        with pytest.raises(NotFoundError) as caught:
            env.instances.get(instance.id)
        assert caught.value.code == 1200 and caught.value.error_code == "NOT_FOUND"

    def test_task_is_retrievable(self, client: Client, env: EnvironmentClient, instance: Instance) -> None:
        task = env.instances.stop(instance.id)
        fetched = client.tasks.get(task.id)
        assert fetched.id == task.id and fetched.created
        assert client.tasks.wait(task.id, timeout=60)["state"] == "Stopped"
        assert client.tasks.get(task.id).status is TaskStatus.SUCCESS


class TestErrors:
    def test_unknown_entity_is_not_found(self, env: EnvironmentClient) -> None:
        with pytest.raises(NotFoundError):
            env.instances.get(UNKNOWN_ID)
        with pytest.raises(NotFoundError):
            env.instances.start(UNKNOWN_ID)

    def test_validation_errors_carry_field(self, env: EnvironmentClient) -> None:
        params = create_params(env, "invalid")
        with pytest.raises(MissingFieldError) as missing:
            env.instances.create(
                name="x", template_id=params["template_id"], compute_offering_id="", network_id=""
            )  # type: ignore[typeddict-item]
        assert missing.value.context.get("field")
        with pytest.raises(InvalidFieldError) as invalid:
            env.instances.create(**{**params, "template_id": UNKNOWN_ID})
        assert invalid.value.context.get("field") == "templateId"

    def test_bad_key_and_unknown_environment(self, live_server: LiveServer) -> None:
        with Client(api_url=live_server.url, api_key="wrong") as client, pytest.raises(AuthenticationError):
            client.environments.list()
        with (
            Client(api_url=live_server.url, api_key=live_server.api_key) as client,
            pytest.raises(NotFoundError),
        ):
            client.environment("compute-qc", "no-such-env").zones.list()


class TestResourcesAroundInstances:
    def test_ssh_keys(self, env: EnvironmentClient, instance: Instance) -> None:
        key = env.ssh_keys.create("sdk-key", SSH_PUBLIC_KEY, wait=True)
        assert key.name == "sdk-key" and key.fingerprint
        assert env.ssh_keys.get("sdk-key").id == key.id
        if instance.is_ssh_key_enabled:
            assert (
                env.instances.associate_ssh_key(instance.id, "sdk-key", wait=True).ssh_key_name == "sdk-key"
            )
        env.ssh_keys.delete(key.id or key.name, wait=True)
        with pytest.raises(NotFoundError):
            env.ssh_keys.get("sdk-key")

    def test_volumes_and_snapshots(self, env: EnvironmentClient, instance: Instance) -> None:
        offering = next(o for o in env.disk_offerings.list() if not o.custom_size)
        volume = env.volumes.create("sdk-data", offering.id, instance.id, wait=True)
        assert volume.type == "data" and volume.instance_id == instance.id
        assert instance.id in {v.instance_id for v in env.volumes.list(type="os")}
        detached = env.volumes.detach(volume.id, wait=True)
        assert detached.instance_id is None
        assert env.volumes.attach(volume.id, instance.id, wait=True).instance_id == instance.id
        env.volumes.detach(volume.id, wait=True)
        env.volumes.delete(volume.id, wait=True)
        with pytest.raises(NotFoundError):
            env.volumes.get(volume.id)
        assert isinstance(env.snapshots.list(), list)

    def test_public_ips_and_port_forwarding(self, env: EnvironmentClient, instance: Instance) -> None:
        public_ip = env.public_ips.acquire(instance.vpc_id or "", wait=True)
        assert public_ip.purposes == []
        rule = env.port_forwarding_rules.create(
            public_ip.id,
            protocol="TCP",
            public_port_start=2222,
            private_port_start=22,
            instance_id=instance.id,
            wait=True,
        )
        assert (rule.public_port_start, rule.private_port_start, rule.protocol) == ("2222", "22", "TCP")
        assert "PORT_FORWARDING" in env.public_ips.get(public_ip.id).purposes
        env.port_forwarding_rules.delete(rule.id, wait=True)
        nat = env.public_ips.enable_static_nat(public_ip.id, instance.ip_address_id or "", wait=True)
        assert nat.purposes == ["STATIC_NAT"] and nat.private_ip_id == instance.ip_address_id
        env.public_ips.disable_static_nat(public_ip.id, wait=True)
        env.public_ips.release(public_ip.id, wait=True)
        with pytest.raises(NotFoundError):
            env.public_ips.get(public_ip.id)

    def test_affinity_groups(self, env: EnvironmentClient, instance: Instance) -> None:
        group = env.affinity_groups.create("sdk-group", description="d", wait=True)
        assert group.type == "host anti-affinity" and group.instance_ids == []
        updated = env.affinity_groups.update(group.id, instance_ids=[instance.id], wait=True)
        assert updated.instance_ids == [instance.id]
        assert env.affinity_groups.list(type="ExplicitDedication") is not None
        env.affinity_groups.delete(group.id, wait=True)

    def test_vpc_and_network_mutations(self, env: EnvironmentClient) -> None:
        offering = env.vpc_offerings.list()[0]
        vpc = env.vpcs.create("sdk-vpc", "d", offering.id, wait=True)
        acl = next(a for a in env.network_acls.list(vpc_id=vpc.id) if a.name == "default_allow")
        network_offering = env.network_offerings.list()[0]
        network = env.networks.create("sdk-net", "d", vpc.id, network_offering.id, acl.id, wait=True)
        assert env.networks.update(network.id, name="sdk-net-2", wait=True).name == "sdk-net-2"
        assert env.vpcs.update(vpc.id, description="d2", wait=True).description == "d2"
        env.networks.delete(network.id, wait=True)
        env.vpcs.delete(vpc.id, wait=True)

    def test_network_acls_and_rules(self, env: EnvironmentClient) -> None:
        vpc = env.vpcs.list()[0]
        acl = env.network_acls.create("sdk-acl", "d", vpc.id, wait=True)
        assert acl.vpc_id == vpc.id and acl.id in {a.id for a in env.network_acls.list(vpc_id=vpc.id)}
        rule = env.network_acl_rules.create(
            acl.id,
            rule_number=1,
            cidr="0.0.0.0/0",
            action="Allow",
            protocol="TCP",
            traffic_type="Ingress",
            start_port=22,
            end_port=22,
            wait=True,
        )
        assert (rule.rule_number, rule.start_port, rule.state) == ("1", "22", "Active")
        assert env.network_acl_rules.update(rule.id, action="Deny", wait=True).action == "Deny"
        assert [r.id for r in env.network_acl_rules.list(network_acl_id=acl.id)] == [rule.id]
        network = env.networks.list()[0]
        env.networks.replace_acl(network.id, acl.id, wait=True)
        assert env.networks.get(network.id).network_acl_id == acl.id
        default = next(a for a in env.network_acls.list() if a.name == "default_allow")
        env.networks.replace_acl(network.id, default.id, wait=True)
        env.network_acl_rules.delete(rule.id, wait=True)
        env.network_acls.delete(acl.id, wait=True)
        with pytest.raises(NotFoundError):
            env.network_acls.get(acl.id)

    def test_load_balancer_rules(self, env: EnvironmentClient) -> None:
        vpc = env.vpcs.list()[0]
        balanced = next(o for o in env.network_offerings.list() if o.name == "Load Balanced Network")
        default = next(a for a in env.network_acls.list() if a.name == "default_allow")
        network = env.networks.create("sdk-lb", "d", vpc.id, balanced.id, default.id, wait=True)
        web = env.instances.create(**{**create_params(env, "sdk-web"), "network_id": network.id}, wait=True)
        ip = env.public_ips.acquire(vpc.id, wait=True)
        rule = env.load_balancer_rules.create(
            "sdk-lb",
            ip.id,
            public_port=80,
            private_port=8080,
            algorithm="roundrobin",
            protocol="tcp",
            network_id=network.id,
            instance_ids=[web.id],
            wait=True,
        )
        assert (rule.public_port, rule.instance_ids, rule.public_ip) == ("80", [web.id], ip.ip_address)
        assert "LOAD_BALANCING" in env.public_ips.get(ip.id).purposes
        assert env.load_balancer_rules.update(rule.id, algorithm="source", wait=True).algorithm == "source"
        sticky = env.load_balancer_rules.update_stickiness(
            rule.id, "SourceBased", parameters={"expires": "3m"}, wait=True
        )
        assert sticky.stickiness_policy_parameters == {"expires": "3m"}
        assert env.load_balancer_rules.update_stickiness(rule.id, "none", wait=True).stickiness_method is None
        assert env.load_balancer_rules.update_instances(rule.id, [], wait=True).instance_ids == []
        assert [r.id for r in env.load_balancer_rules.list(public_ip_id=ip.id)] == [rule.id]
        env.load_balancer_rules.delete(rule.id, wait=True)
        env.public_ips.release(ip.id, wait=True)
        env.instances.destroy(web.id, purge_immediately=True, wait=True)
        env.networks.delete(network.id, wait=True)

    def test_remote_access_vpn_and_users(self, env: EnvironmentClient) -> None:
        vpc = env.vpcs.list()[0]
        [vpn] = env.remote_access_vpns.list(vpc_id=vpc.id)
        enabled = env.remote_access_vpns.enable(vpn.id, wait=True)
        assert enabled.state == "Enabled" and enabled.preshared_key
        assert "VPN" in env.public_ips.get(vpn.id).purposes
        user = env.vpn_users.create("sdk-user", "sdk-password", wait=True)
        assert user.username == "sdk-user" and env.vpn_users.get(user.id).id == user.id
        env.vpn_users.delete(user.id, wait=True)
        assert env.remote_access_vpns.disable(vpn.id, wait=True).state == "Disabled"
        assert env.site_to_site_vpns.list(vpc_id=vpc.id) == []

    def test_nics(self, env: EnvironmentClient, instance: Instance) -> None:
        other = next(n for n in env.networks.list() if n.id != instance.network_id)
        nic = env.nics.create(instance.id, other.id, wait=True)
        assert nic.is_default is False and nic.network_id == other.id
        assert {n.id for n in env.nics.list(instance_id=instance.id)} >= {nic.id, instance.ip_address_id}
        assert env.nics.set_default(nic.id, wait=True).is_default is True
        assert env.instances.get(instance.id).network_id == other.id
        env.nics.delete(instance.ip_address_id or "", wait=True)


class TestAsync:
    async def test_async_lifecycle(self, live_server: LiveServer) -> None:
        async with AsyncClient(api_url=live_server.url, api_key=live_server.api_key) as client:
            env = client.environment("compute-qc", "prod")
            template = next(t for t in await env.templates.list() if t.is_ready is not False)
            offering = next(o for o in await env.compute_offerings.list() if not o.custom)
            network = (await env.networks.list())[0]
            task = await env.instances.create(
                name="sdk-async",
                template_id=template.id,
                compute_offering_id=offering.id,
                network_id=network.id,
            )
            instance = await task.wait(timeout=120)
            assert instance.state == "Running"
            assert (await env.instances.stop(instance.id, wait=True)).state == "Stopped"
            with pytest.raises(InvalidStateError):
                await env.instances.stop(instance.id)
            await env.instances.destroy(instance.id, purge_immediately=True, wait=True)
            with pytest.raises(NotFoundError):
                await env.instances.get(instance.id)

    async def test_async_reads_every_resource(self, live_server: LiveServer) -> None:
        async with AsyncClient(api_url=live_server.url, api_key=live_server.api_key) as client:
            environments = await client.environments.list()
            assert (await client.environments.get(environments[0].id)).name == environments[0].name
            assert await client.service_connections.list()
            env = client.environment("compute-qc", "prod")
            served = 0
            for attribute, resource in vars(env).items():
                if attribute in {"service", "environment", "prefix"}:
                    continue
                items = await resource.list()  # every entity type is served
                served += 1
                if items and getattr(items[0], "name", None):
                    assert await resource.resolve(items[0].id) == items[0].id
                    assert (await resource.get(items[0].id)).id == items[0].id
            assert served >= 20

    async def test_async_tasks_and_errors(self, live_server: LiveServer) -> None:
        async with AsyncClient(api_url=live_server.url, api_key=live_server.api_key) as client:
            env = client.environment("compute-qc", "prod")
            with pytest.raises(NotFoundError):
                await client.tasks.get(UNKNOWN_ID)
            with pytest.raises(NotFoundError):
                await env.instances.reboot(UNKNOWN_ID)
