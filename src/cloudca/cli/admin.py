"""``cloudca tasks ...`` and ``cloudca environments ...``."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudca.cli._commands import RENAME_OPTIONS, DescriptionOption, Reference, ResourceGroup, resource_app
from cloudca.cli._output import show_one
from cloudca.cli._session import OutputOption, Session, TimeoutOption, session, submit
from cloudca.client import Environment

tasks = resource_app("tasks", "Asynchronous tasks started by mutations.")
TaskArgument = Annotated[str, typer.Argument(metavar="TASK", help="Task id.")]


@tasks.command("get")
def get_task(ctx: typer.Context, task_id: TaskArgument, output: OutputOption = None) -> None:
    """Show a task's status (and result once it has ended)."""
    task = session(ctx).client.tasks.get(task_id)
    row = {"taskId": task.id, "taskStatus": task.status.value, "created": task.created}
    if task.done:
        row["result"] = task.raw_result
    show_one(row, output)


@tasks.command("wait")
def wait_task(
    ctx: typer.Context, task_id: TaskArgument, output: OutputOption = None, timeout: TimeoutOption = 600.0
) -> None:
    """Wait for a task to end and show its result (exit code 5 if it failed)."""
    task = session(ctx).client.tasks.get(task_id)
    submit(task, label="Waiting", output=output, no_wait=False, timeout=timeout)


environments = ResourceGroup(
    "environments",
    "Environments (administration).",
    columns="ID:id,NAME:name,SERVICE:serviceConnection.serviceCode,DESCRIPTION:description",
    resource="client.environments",
)
ENVIRONMENT_REF = Reference(environments, "ENVIRONMENT", "Environment name or id.")


@environments.action("create")
def create_environment(
    state: Session,
    name: Annotated[str, typer.Argument(help="Name (lowercase letters, digits, - and _).")],
    service: Annotated[str, typer.Option("--service-code", help="Service code, e.g. compute-qc.")],
    description: DescriptionOption = None,
) -> Environment:
    """Create an environment in a service."""
    client = state.client
    connections = client.service_connections.list()
    matches = [c.id for c in connections if c.service_code.lower() == service.lower() or c.id == service]
    if len(matches) != 1:
        codes = ", ".join(c.service_code for c in connections)
        raise typer.BadParameter(
            f"unknown service {service!r} (services: {codes})", param_hint="--service-code"
        )
    return client.environments.create(name, description or name, matches[0])


ENVIRONMENT_REF.call("update", "Rename an environment or change its description.", RENAME_OPTIONS, shows=True)
ENVIRONMENT_REF.call("delete", "Delete an environment and everything in it.")


APPS = [tasks, environments]
