"""The SDK's administration resources against a real ``cloudca serve``: environments,
organizations, users and API keys, sync and async."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloudca import (
    ApiKey,
    AsyncClient,
    AuthenticationError,
    Client,
    DuplicateError,
    PermissionDeniedError,
)
from cloudca.client._resources.async_teams import environment_role
from tests.live import LiveServer


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> Iterator[Client]:
    with Client(api_url=live_server.url, api_key=live_server.api_key) as client:
        yield client


def test_environment_user_and_key(client: Client, live_server: LiveServer) -> None:
    [connection] = [c for c in client.service_connections.list() if c.service_code == "compute-qc"]
    qa = client.environments.create("sdk-qa", "QA", connection.id)
    user = client.users.create(
        "sdk-reader", email="reader@example.test", roles=[environment_role(qa.id, "Read-only")]
    )
    assert client.users.resolve("sdk-reader") == user.id
    keys = client.users.api_keys(user.id)
    created = keys.create("ci")
    assert isinstance(created, ApiKey) and created.api_key
    assert [(key.name, key.api_key) for key in keys.list()] == [("ci", None)]
    with Client(api_url=live_server.url, api_key=created.api_key) as reader:
        assert [env.name for env in reader.environments.list()] == ["sdk-qa"]
        with pytest.raises(PermissionDeniedError):
            reader.environment("compute-qc", "sdk-qa").vpcs.create(
                name="v", description="v", vpc_offering_id=qa.id
            )
        keys.revoke(created.id)
        with pytest.raises(AuthenticationError):
            reader.environments.list()
    with pytest.raises(DuplicateError):
        client.users.create("sdk-reader", email="again@example.test")
    client.users.delete(user.id)
    client.environments.delete(qa.id)


async def test_organizations_async(live_server: LiveServer) -> None:
    async with AsyncClient(api_url=live_server.url, api_key=live_server.api_key) as client:
        child = await client.organizations.create("SDK child", "sdk-child")
        assert child.parent is not None
        renamed = await client.organizations.update(child.id, name="SDK child 2")
        assert renamed.name == "SDK child 2"
        user = await client.users.create(
            "sdk-child-admin",
            email="c@example.test",
            organization_id=child.id,
            roles=[{"name": "Administrator"}],
        )
        assert [role["name"] for role in user.roles] == ["Administrator"]
        assert (await client.users.unlock(user.id)).status == "ACTIVE"
        await client.users.delete(user.id)
        await client.organizations.delete(child.id)
        assert child.id not in {org.id for org in await client.organizations.list()}
