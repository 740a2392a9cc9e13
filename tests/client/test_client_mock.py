"""The SDK against an in-process fake API (httpx.MockTransport): wire shapes, errors, tasks, retries."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import cloudca
from cloudca import (
    AmbiguousNameError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncClient,
    Client,
    ConfigurationError,
    Instance,
    InvalidStateError,
    NameNotFoundError,
    NotFoundError,
    TaskFailedError,
    TaskStatus,
    TaskTimeoutError,
)
from cloudca.client._exceptions import (
    AuthenticationError,
    BadRequestError,
    DuplicateError,
    EndpointNotFoundError,
    EntityBusyError,
    EntityInUseError,
    InternalServerError,
    InvalidFieldError,
    InvalidQueryParameterError,
    MethodNotAllowedError,
    MissingFieldError,
    PermissionDeniedError,
    QuotaExceededError,
    ServiceUnavailableError,
    UnknownOperationError,
)

URL = "http://api.test/v1"
INSTANCE_ID = "9db8ff2f-b49b-466d-a2f3-c1e6def408f4"
TASK_ID = "c2c13744-8610-4012-800a-0907bea110a5"
INSTANCE = {"id": INSTANCE_ID, "name": "jarvis", "state": "Running", "memoryInMB": 512, "cpuCount": 1}

Handler = Callable[[httpx.Request], httpx.Response]


def envelope_error(status: int, error_code: str, code: int = 9999, **context: Any) -> httpx.Response:
    body = {"errors": [{"code": code, "errorCode": error_code, "message": "m", "context": context}]}
    return httpx.Response(status, json=body)


def task_body(status: str, result: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "taskId": TASK_ID,
        "taskStatus": status,
        "data": {"id": TASK_ID, "status": status, "created": "2017-08-15T12:00:00.000Z"},
    }
    if status != "PENDING":
        body["result"] = result
        body["data"]["result"] = result
    return body


def client_for(handler: Handler, **kwargs: Any) -> Client:
    return Client(api_url=URL, api_key="secret-key", transport=httpx.MockTransport(handler), **kwargs)


def async_client_for(handler: Handler, **kwargs: Any) -> AsyncClient:
    return AsyncClient(api_url=URL, api_key="secret-key", transport=httpx.MockTransport(handler), **kwargs)


class TestPublicSurface:
    def test_all_is_deliberate_and_sorted(self) -> None:
        expected = {
            "APIConnectionError",
            "APIError",
            "APITimeoutError",
            "AffinityGroup",
            "AmbiguousNameError",
            "ApiKey",
            "AsyncClient",
            "AsyncEnvironmentClient",
            "AsyncTask",
            "AuthenticationError",
            "BadRequestError",
            "Client",
            "ClientConfig",
            "CloudcaError",
            "ComputeOffering",
            "ConfigurationError",
            "DiskOffering",
            "DuplicateError",
            "EndpointNotFoundError",
            "EntityBusyError",
            "EntityInUseError",
            "Environment",
            "EnvironmentClient",
            "EnvironmentRole",
            "ErrorDetail",
            "IdempotencyKeyReusedError",
            "Instance",
            "InstanceCreate",
            "InstanceNic",
            "InstancePublicIp",
            "InternalServerError",
            "InvalidFieldError",
            "InvalidQueryParameterError",
            "InvalidStateError",
            "LoadBalancerRule",
            "MethodNotAllowedError",
            "MissingFieldError",
            "NameNotFoundError",
            "NoCapacityError",
            "Network",
            "NetworkAcl",
            "NetworkAclRule",
            "NetworkOffering",
            "Nic",
            "NotFoundError",
            "Organization",
            "PermissionDeniedError",
            "PortForwardingRule",
            "PublicIp",
            "QuotaExceededError",
            "Reference",
            "RemoteAccessVpn",
            "ResolutionError",
            "ServiceConnection",
            "ServiceUnavailableError",
            "SiteToSiteVpn",
            "Snapshot",
            "SshKey",
            "Task",
            "TaskError",
            "TaskFailedError",
            "TaskStatus",
            "TaskTimeoutError",
            "Template",
            "TransportError",
            "UnknownOperationError",
            "User",
            "Volume",
            "Vpc",
            "VpcOffering",
            "VpnUser",
            "Zone",
        }
        assert set(cloudca.client.__all__) == expected
        assert set(cloudca.__all__) == expected | {"__version__"}
        for module in (cloudca, cloudca.client):
            assert module.__all__ == sorted(module.__all__)
            assert all(hasattr(module, name) for name in module.__all__)


class TestConfiguration:
    def test_arguments_beat_environment(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("CLOUDCA_CONFIG", str(tmp_path / "none.toml"))
        monkeypatch.setenv("CLOUDCA_API_URL", "http://env.test/v1")
        monkeypatch.setenv("CLOUDCA_API_KEY", "env-key")
        assert Client().config.api_url == "http://env.test/v1"
        assert Client(api_url="http://arg.test:9/").config.api_url == "http://arg.test:9/v1"
        assert Client(api_key="arg-key").config.api_key == "arg-key"

    def test_profiles(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        config = tmp_path / "config.toml"
        config.write_text(
            'default_profile = "a"\n'
            '[profiles.a]\napi_url = "http://a.test/v1"\napi_key = "ka"\nservice = "compute-qc"\n'
            '[profiles.b]\napi_url = "http://b.test/v1"\napi_key = "kb"\nenvironment = "dev"\n'
        )
        for name in ("CLOUDCA_API_URL", "CLOUDCA_API_KEY", "CLOUDCA_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CLOUDCA_CONFIG", str(config))
        assert Client().config.api_url == "http://a.test/v1"
        assert Client(profile="b").config.api_key == "kb"
        monkeypatch.setenv("CLOUDCA_API_KEY", "env-key")
        assert Client().config.api_key == "env-key"  # environment beats the default profile
        assert Client(profile="b").config.api_key == "kb"  # a named profile beats the environment
        with pytest.raises(ConfigurationError, match="Unknown profile 'c'"):
            Client(profile="c")

    def test_missing_key_is_a_configuration_error(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("CLOUDCA_CONFIG", str(tmp_path / "none.toml"))
        monkeypatch.delenv("CLOUDCA_API_KEY", raising=False)
        with pytest.raises(ConfigurationError, match="CLOUDCA_API_KEY"):
            Client()

    def test_key_is_sent_and_never_shown(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json={"data": [], "metadata": {"recordCount": 0}})

        client = client_for(handler, service="compute-qc", environment="prod")
        assert client.environment().zones.list() == []
        assert seen[0].headers["MC-Api-Key"] == "secret-key"
        assert seen[0].url.path == "/v1/services/compute-qc/prod/zones"
        assert "secret-key" not in repr(client.config)


class TestReads:
    def test_list_and_get_are_typed(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/instances"):
                assert request.url.params["vpc_id"] == "v"
                return httpx.Response(200, json={"data": [INSTANCE], "metadata": {"recordCount": 1}})
            return httpx.Response(200, json={"data": {**INSTANCE, "futureField": 1}})

        instances = client_for(handler).environment("compute-qc", "prod").instances
        [listed] = instances.list(vpc_id="v")
        assert isinstance(listed, Instance) and listed.memory_in_mb == 512
        got = instances.get(INSTANCE_ID)
        assert got.to_wire()["futureField"] == 1  # unknown keys survive

    @pytest.mark.parametrize(
        ("status", "error_code", "cls"),
        [
            (400, "BAD_REQUEST", BadRequestError),
            (400, "MISSING_FIELD", MissingFieldError),
            (400, "INVALID_FIELD", InvalidFieldError),
            (400, "UNKNOWN_OPERATION", UnknownOperationError),
            (400, "INVALID_QUERY_PARAMETER", InvalidQueryParameterError),
            (400, "INVALID_STATE", InvalidStateError),
            (400, "ENTITY_BUSY", EntityBusyError),
            (400, "ENTITY_IN_USE", EntityInUseError),
            (400, "DUPLICATE", DuplicateError),
            (400, "QUOTA_EXCEEDED", QuotaExceededError),
            (401, "UNAUTHORIZED", AuthenticationError),
            (403, "FORBIDDEN", PermissionDeniedError),
            (404, "NOT_FOUND", NotFoundError),
            (404, "ENDPOINT_NOT_FOUND", EndpointNotFoundError),
            (405, "METHOD_NOT_ALLOWED", MethodNotAllowedError),
            (500, "INTERNAL_ERROR", InternalServerError),
            (503, "SERVICE_UNAVAILABLE", ServiceUnavailableError),
            (400, "SOMETHING_NEW", BadRequestError),
            (418, "SOMETHING_NEW", APIError),
        ],
    )
    def test_errors_map_by_error_code(self, status: int, error_code: str, cls: type[APIError]) -> None:
        client = client_for(lambda _: envelope_error(status, error_code, 1234, id="x"), max_retries=0)
        with pytest.raises(cls) as caught:
            client.environment("s", "e").zones.get("x")
        assert type(caught.value) is cls
        assert (caught.value.status_code, caught.value.code) == (status, 1234)
        assert caught.value.error_code == error_code
        assert caught.value.context == {"id": "x"}

    def test_error_without_envelope_keeps_status(self) -> None:
        client = client_for(lambda _: httpx.Response(404, text="<html>nope</html>"))
        with pytest.raises(NotFoundError, match="HTTP 404"):
            client.environment("s", "e").zones.list()

    def test_reads_retry_and_mutations_retry_with_one_idempotency_key(self) -> None:
        calls: list[tuple[str, str | None]] = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append((request.method, request.headers.get("Idempotency-Key")))
            if len(calls) == 1 or request.method == "POST":
                return httpx.Response(503, json={"errors": [{"errorCode": "INTERNAL_ERROR", "code": 5000}]})
            return httpx.Response(200, json={"data": [], "metadata": {"recordCount": 0}})

        env = client_for(handler, max_retries=2).environment("s", "e")
        assert env.zones.list() == []
        assert calls == [("GET", None), ("GET", None)]
        calls.clear()
        with pytest.raises(InternalServerError):
            env.instances.start(INSTANCE_ID)
        # Every attempt of the mutation carries the same key: the server runs it at most once.
        assert [method for method, _ in calls] == ["POST", "POST", "POST"]
        keys = {key for _, key in calls}
        assert len(keys) == 1 and None not in keys
        calls.clear()
        with pytest.raises(InternalServerError):
            env.instances.start(INSTANCE_ID)
        assert {key for _, key in calls}.isdisjoint(keys)  # a new call, a new key

    def test_connection_and_timeout_errors_are_clear(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("Connection refused", request=request)

        def slow(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        with pytest.raises(APIConnectionError, match=r"Cannot reach the API at http://api.test/v1"):
            client_for(refuse, max_retries=1).environment("s", "e").zones.list()
        with pytest.raises(APITimeoutError, match="No answer"):
            client_for(slow, max_retries=0).environment("s", "e").zones.list()

    def test_resolve_by_id_or_unique_name(self) -> None:
        zones = [
            {"id": "11111111-1111-1111-1111-111111111111", "name": "QC-1"},
            {"id": "22222222-2222-2222-2222-222222222222", "name": "dup"},
            {"id": "33333333-3333-3333-3333-333333333333", "name": "dup"},
        ]
        client = client_for(lambda _: httpx.Response(200, json={"data": zones, "metadata": {}}))
        resource = client.environment("s", "e").zones
        assert resource.resolve("qc-1") == zones[0]["id"]
        assert resource.resolve(zones[2]["id"].upper()) == zones[2]["id"]
        with pytest.raises(AmbiguousNameError) as ambiguous:
            resource.resolve("dup")
        assert len(ambiguous.value.candidates) == 2
        with pytest.raises(NameNotFoundError) as missing:
            resource.resolve("ON-1")
        assert ("11111111-1111-1111-1111-111111111111", "QC-1") in missing.value.candidates


class TestTasks:
    def test_create_waits_with_long_poll_and_sends_wire_names(self) -> None:
        polls: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                body = json.loads(request.content)
                assert body == {
                    "name": "jarvis",
                    "templateId": "t",
                    "computeOfferingId": "c",
                    "networkId": "n",
                    "memoryInMB": 1024,
                    "portsToForward": ["22"],
                }
                return httpx.Response(200, json={"taskId": TASK_ID, "taskStatus": "PENDING"})
            polls.append(request.url.params.get("wait", ""))
            done = len(polls) > 1
            return httpx.Response(200, json=task_body("SUCCESS" if done else "PENDING", INSTANCE))

        env = client_for(handler).environment("compute-qc", "prod")
        instance = env.instances.create(
            name="jarvis",
            template_id="t",
            compute_offering_id="c",
            network_id="n",
            memory_in_mb=1024,
            ports_to_forward=["22"],
            wait=True,
            timeout=30,
        )
        assert isinstance(instance, Instance) and instance.id == INSTANCE_ID
        assert polls and all(0 < int(wait) <= 60 for wait in polls)

    def test_immediate_success_needs_no_poll(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            assert request.method == "POST"
            return httpx.Response(200, json={"taskId": TASK_ID, "taskStatus": "SUCCESS", "data": INSTANCE})

        task = client_for(handler).environment("s", "e").instances.stop(INSTANCE_ID)
        assert task.done and task.status is TaskStatus.SUCCESS
        assert task.wait().name == "jarvis"

    def test_failed_task_raises_with_its_codes(self) -> None:
        failure = {"errors": [{"code": 2017, "errorCode": "NO_CAPACITY", "message": "full", "context": {}}]}

        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                return httpx.Response(200, json={"taskId": TASK_ID, "taskStatus": "PENDING"})
            return httpx.Response(200, json=task_body("FAILED", failure))

        task = client_for(handler).environment("s", "e").instances.start(INSTANCE_ID)
        with pytest.raises(TaskFailedError) as caught:
            task.wait(timeout=5)
        assert (caught.value.code, caught.value.error_code, caught.value.task_id) == (
            2017,
            "NO_CAPACITY",
            TASK_ID,
        )
        assert task.errors[0].error_code == "NO_CAPACITY"

    def test_wait_is_bounded(self) -> None:
        client = client_for(lambda _: httpx.Response(200, json=task_body("PENDING")))
        task = client.tasks.get(TASK_ID)
        with pytest.raises(TaskTimeoutError, match=TASK_ID):
            task.wait(timeout=0.2)

    def test_unknown_task_is_not_found(self) -> None:
        client = client_for(lambda _: envelope_error(404, "NOT_FOUND", 1200, type="tasks", id="x"))
        with pytest.raises(NotFoundError):
            client.tasks.get("x")

    def test_invalid_state_is_raised_before_any_task(self) -> None:
        response = envelope_error(
            400, "INVALID_STATE", 2012, currentState="Stopped", expectedStates=["Running"]
        )
        client = client_for(lambda _: response)
        with pytest.raises(InvalidStateError) as caught:
            client.environment("s", "e").instances.stop(INSTANCE_ID)
        assert caught.value.context["currentState"] == "Stopped"


class TestAsync:
    async def test_async_create_wait_and_errors(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                return httpx.Response(200, json={"taskId": TASK_ID, "taskStatus": "PENDING"})
            if request.url.path.startswith("/v1/tasks/"):
                return httpx.Response(200, json=task_body("SUCCESS", INSTANCE))
            return envelope_error(404, "NOT_FOUND", 1200)

        async with async_client_for(handler) as client:
            env = client.environment("s", "e")
            task = await env.instances.create(
                name="a", template_id="t", compute_offering_id="c", network_id="n"
            )
            assert (await task.wait(timeout=5)).id == INSTANCE_ID
            assert (await env.instances.reboot(INSTANCE_ID, wait=True)).state == "Running"
            with pytest.raises(NotFoundError):
                await env.instances.get(INSTANCE_ID)

    async def test_async_connection_error(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        async with async_client_for(refuse, max_retries=0) as client:
            with pytest.raises(APIConnectionError):
                await client.environments.list()


class TestParity:
    def test_async_resources_mirror_sync_ones(self) -> None:
        """Every sync resource method exists on the async twin with the same parameters (the sync
        modules are generated from the async ones: this guards the generator)."""
        import inspect

        from cloudca.client._resources import (
            access,
            acls,
            async_access,
            async_acls,
            async_instances,
            async_networking,
            async_public_ips,
            async_storage,
            async_teams,
            instances,
            networking,
            public_ips,
            storage,
            teams,
        )

        pairs = [
            (instances, async_instances),
            (networking, async_networking),
            (public_ips, async_public_ips),
            (storage, async_storage),
            (access, async_access),
            (teams, async_teams),
            (acls, async_acls),
        ]
        checked = 0
        for sync_module, async_module in pairs:
            for name in sync_module.__all__:
                sync_cls = getattr(sync_module, name)
                if not inspect.isclass(sync_cls) or not hasattr(sync_cls, "_submit"):
                    continue
                async_cls = getattr(async_module, f"Async{name}")
                for method, function in vars(sync_cls).items():
                    if method.startswith("_"):
                        continue
                    twin = getattr(async_cls, method)
                    assert inspect.iscoroutinefunction(twin), (name, method)
                    assert list(inspect.signature(twin).parameters) == list(
                        inspect.signature(function).parameters
                    )
                    checked += 1
        assert checked >= 50
