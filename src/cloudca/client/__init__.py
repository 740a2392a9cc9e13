"""The Python SDK of the cloudca compute API (``from cloudca import Client``)."""

from cloudca.client._async_client import AsyncClient
from cloudca.client._async_environment import AsyncEnvironmentClient
from cloudca.client._async_task import AsyncTask
from cloudca.client._client import Client
from cloudca.client._config import ClientConfig
from cloudca.client._environment import EnvironmentClient
from cloudca.client._exceptions import (
    AmbiguousNameError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CloudcaError,
    ConfigurationError,
    DuplicateError,
    EndpointNotFoundError,
    EntityBusyError,
    EntityInUseError,
    IdempotencyKeyReusedError,
    InternalServerError,
    InvalidFieldError,
    InvalidQueryParameterError,
    InvalidStateError,
    MethodNotAllowedError,
    MissingFieldError,
    NameNotFoundError,
    NoCapacityError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    ResolutionError,
    ServiceUnavailableError,
    TaskError,
    TaskFailedError,
    TaskTimeoutError,
    TransportError,
    UnknownOperationError,
)
from cloudca.client._models import *  # noqa: F403 - the entities, as _models.__all__ lists them
from cloudca.client._resources._instance_bodies import InstanceCreate
from cloudca.client._task import Task

# The entities are named once, in ``_models.__all__``. Imported under this name it is what mypy takes
# for this module's exports (mypy does not follow ``[*_models.__all__, ...]``); the list below is a new
# one (``_models.__all__`` stays as it is): the entities, less their base ``Model``, and the rest.
from cloudca.client._models import __all__ as __all__  # isort: skip

__all__ = [
    *__all__,
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AmbiguousNameError",
    "AsyncClient",
    "AsyncEnvironmentClient",
    "AsyncTask",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientConfig",
    "CloudcaError",
    "ConfigurationError",
    "DuplicateError",
    "EndpointNotFoundError",
    "EntityBusyError",
    "EntityInUseError",
    "EnvironmentClient",
    "IdempotencyKeyReusedError",
    "InstanceCreate",
    "InternalServerError",
    "InvalidFieldError",
    "InvalidQueryParameterError",
    "InvalidStateError",
    "MethodNotAllowedError",
    "MissingFieldError",
    "NameNotFoundError",
    "NoCapacityError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "ResolutionError",
    "ServiceUnavailableError",
    "Task",
    "TaskError",
    "TaskFailedError",
    "TaskTimeoutError",
    "TransportError",
    "UnknownOperationError",
]
__all__.remove("Model")
__all__.sort()
