"""``cloudca ssh-keys ...`` and ``cloudca affinity-groups ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, add_read_commands, as_given, finishes_task, resource_app
from cloudca.cli._output import show_one
from cloudca.cli._session import OutputOption, session
from cloudca.client import Task

ssh_keys = resource_app("ssh-keys", "SSH public keys to install on instances.")
add_read_commands(
    ssh_keys,
    noun="SSH key",
    plural="SSH keys",
    columns=[("ID", "id"), ("NAME", "name"), ("FINGERPRINT", "fingerprint")],
    resource=lambda s: s.env.ssh_keys,
    with_get=False,
)


@ssh_keys.command("get", help="Show one SSH key.")
def get_ssh_key(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="SSH_KEY", help="Key name or id.")],
    output: OutputOption = None,
) -> None:
    # The API addresses keys by name or id itself, so no lookup is needed.
    show_one(session(ctx).env.ssh_keys.get(key), output)


@ssh_keys.command("register")
@finishes_task("Registering {name}")
def register(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name to register the key under.")],
    public_key_file: Annotated[
        Path,
        typer.Argument(
            help="OpenSSH public key file, e.g. ~/.ssh/id_ed25519.pub.", exists=True, dir_okay=False
        ),
    ],
) -> Task[Any]:
    """Register a public key from a file."""
    public_key = public_key_file.read_text(encoding="utf-8").strip()
    task = session(ctx).env.ssh_keys.create(name, public_key)
    return task


SSH_KEY_REF = Reference(ssh_keys, "SSH_KEY", "Key name or id.", lambda s: s.env.ssh_keys, as_given)
SSH_KEY_REF.task("delete", "Delete a key (instances keep what was installed).", "Deleting {}", "Deleted")


affinity_groups = resource_app("affinity-groups", "Anti-affinity and dedicated groups.")
add_read_commands(
    affinity_groups,
    noun="affinity group",
    plural="affinity groups",
    columns=[("ID", "id"), ("NAME", "name"), ("TYPE", "type"), ("INSTANCES", "instanceNames")],
    resource=lambda s: s.env.affinity_groups,
    filters=("type",),
)
GroupArgument = Annotated[str, typer.Argument(metavar="GROUP", help="Affinity group name or id.")]
InstancesOption = Annotated[
    list[str] | None, typer.Option("--instance", metavar="INSTANCE", help="Member name or id (repeatable).")
]


@affinity_groups.command("create")
@finishes_task("Creating group {name}")
def create_group(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new group.")],
    description: Annotated[str | None, typer.Option(help="Description [default: NAME].")] = None,
    instance: InstancesOption = None,
) -> Task[Any]:
    """Create a host anti-affinity group."""
    state = session(ctx)
    env = state.env
    members = [state.resolve(env.instances, item) for item in instance] if instance else None
    task = env.affinity_groups.create(name, description=description or name, instance_ids=members)
    return task


@affinity_groups.command("update")
@finishes_task("Updating group {group}")
def update_group(
    ctx: typer.Context,
    group: GroupArgument,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    instance: InstancesOption = None,
) -> Task[Any]:
    """Change a group; --instance options replace its member list."""
    state = session(ctx)
    env = state.env
    members = [state.resolve(env.instances, item) for item in instance] if instance else None
    task = env.affinity_groups.update(
        state.resolve(env.affinity_groups, group), name=name, description=description, instance_ids=members
    )
    return task


GROUP_REF = Reference(affinity_groups, "GROUP", "Affinity group name or id.", lambda s: s.env.affinity_groups)
GROUP_REF.task("delete", "Delete an affinity group.", "Deleting group {}", "Deleted")


APPS = [ssh_keys, affinity_groups]
