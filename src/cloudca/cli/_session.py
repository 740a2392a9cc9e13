"""Per-invocation state (connection settings, the client) and the options every command shares."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, TypeVar

import typer

from cloudca.cli._output import OutputFormat, show_one, show_task, wait_with_spinner
from cloudca.client import Client, ConfigurationError, EnvironmentClient, NameNotFoundError, Task
from cloudca.client._base import DEFAULT_TASK_TIMEOUT
from cloudca.client._config import ClientOptions
from cloudca.client._models import Model
from cloudca.client._resources._wire import is_uuid

__all__ = [
    "CONNECTION_OPTIONS",
    "NoWaitOption",
    "OutputOption",
    "Session",
    "TimeoutOption",
    "WideOption",
    "refuse",
    "session",
    "submit",
]

T = TypeVar("T")


def _remember_output(ctx: typer.Context, value: OutputFormat | None) -> OutputFormat | None:
    # Errors are rendered by the root group, which needs to know the format the command asked for.
    session(ctx).output = value
    return value


OutputOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        help="table or json [default: table on a terminal, json otherwise]",
        callback=_remember_output,
    ),
]
NoWaitOption = Annotated[
    bool, typer.Option("--no-wait", help="Print the task id and return without waiting.")
]
WideOption = Annotated[
    bool, typer.Option("--wide", "-w", help="Show whole ids and values, however wide the table gets.")
]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", metavar="SECONDS", help="Seconds to wait for the task.", min=1)
]


#: The root options that say where and as whom to connect: the :class:`Client`'s own keywords.
CONNECTION_OPTIONS = ("api_url", "api_key", "profile", "service", "environment")


@dataclass
class Session:
    """What the root options chose; the client is created on first use."""

    #: The connection options given (of :data:`CONNECTION_OPTIONS`), handed to the client as they
    #: are: those not given come from the client's own precedence (profile, environment variables).
    connection: ClientOptions = field(default_factory=ClientOptions, repr=False)
    output: OutputFormat | None = None

    @cached_property
    def client(self) -> Client:
        """The SDK client for this invocation."""
        return Client(**self.connection)

    @cached_property
    def env(self) -> EnvironmentClient:
        """The environment to act in: the configured one, else the only one the key can see."""
        config = self.client.config
        if config.service and config.environment:
            return self.client.environment(config.service, config.environment)
        visible = [
            (env.service_code or "", env.name)
            for env in self.client.environments.list()
            if env.service_code
            and (not config.service or env.service_code == config.service)
            and (not config.environment or env.name == config.environment)
        ]
        if len(visible) == 1:
            return self.client.environment(*visible[0])
        listing = ", ".join(f"{service}/{name}" for service, name in visible) or "none visible"
        raise ConfigurationError(
            f"Choose an environment with --service and --environment (or CLOUDCA_SERVICE and "
            f"CLOUDCA_ENVIRONMENT); candidates: {listing}"
        )

    def close(self) -> None:
        """Close the client's connections, if it was ever created."""
        if "client" in self.__dict__:
            self.client.close()

    def resolve(self, resource: Any, reference: str) -> str:
        """An id for ``reference``: ids pass through, names are looked up (unique match required),
        and so is a unique id prefix such as the 8 characters tables show."""
        if is_uuid(reference):
            return reference
        try:
            return str(resource.resolve(reference))
        except NameNotFoundError:
            matches = id_prefix_matches(resource.list(), reference)
            if len(matches) == 1:
                return matches[0]
            raise


def id_prefix_matches(items: Iterable[Any], reference: str) -> list[str]:
    """The ids of ``items`` that start with ``reference`` (at least 4 hex digits; any case)."""
    prefix = reference.lower()
    if not _ID_PREFIX.fullmatch(prefix):
        return []
    return [str(item.id) for item in items if str(item.id).startswith(prefix)]


_ID_PREFIX = re.compile(r"[0-9a-f]{4}[0-9a-f-]*")


def refuse(options: Mapping[str, object], reason: str) -> None:
    """Refuse the options of ``options`` that were given (not ``None``): they do not apply here,
    and ignoring them would let a person believe they took effect."""
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise typer.BadParameter(reason, param_hint=" / ".join(given))


def session(ctx: typer.Context) -> Session:
    """The :class:`Session` the root callback stored."""
    state = ctx.find_root().obj
    if not isinstance(state, Session):
        state = Session()
        ctx.find_root().obj = state
    return state


def submit(
    task: Task[T],
    *,
    label: str,
    output: OutputFormat | None,
    no_wait: bool,
    timeout: float = DEFAULT_TASK_TIMEOUT,
    gone: str | None = None,
) -> T | None:
    """Finish a mutation: print the task id (``--no-wait``) or wait and print the result.

    ``gone`` (``Deleted``, ``Released``) is for operations that remove the entity: their task
    result describes it as it was just before, so the state shown is replaced by what is true now."""
    if no_wait:
        show_task(task, output)
        return None
    result = wait_with_spinner(task, label, timeout)
    if isinstance(result, Model):
        shown: dict[str, Any] = result.to_wire()
    elif isinstance(result, dict):
        shown = dict(result)
    elif result is not None:
        shown = {"result": result}
    else:
        shown = {}
    if gone is not None:
        shown["state"] = gone
    if shown:
        show_one(shown, output)
    return result
