"""``cloudca ssh-keys ...`` and ``cloudca affinity-groups ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cloudca.cli._commands import (
    DescriptionOption,
    NewDescriptionOption,
    NewNameOption,
    Reference,
    ResourceGroup,
    as_given,
)
from cloudca.cli._session import Session
from cloudca.client import Task

ssh_keys = ResourceGroup(
    "ssh-keys",
    "SSH public keys to install on instances.",
    noun="SSH key",
    columns="ID:id,NAME:name,FINGERPRINT:fingerprint",
    with_get=False,
)


# The API addresses keys by name or id itself, so no lookup is needed.
SSH_KEY_REF = Reference(ssh_keys, "SSH_KEY", "Key name or id.", as_given)
SSH_KEY_REF.call("get", "Show one SSH key.", shows=True)


@ssh_keys.mutation("register", "Registering {name}")
def register(
    state: Session,
    name: Annotated[str, typer.Argument(help="Name to register the key under.")],
    public_key_file: Annotated[
        Path,
        typer.Argument(
            help="OpenSSH public key file, e.g. ~/.ssh/id_ed25519.pub.", exists=True, dir_okay=False
        ),
    ],
) -> Task[Any]:
    """Register a public key from a file."""
    return state.env.ssh_keys.create(name, public_key_file.read_text(encoding="utf-8").strip())


SSH_KEY_REF.task("delete", "Delete a key (instances keep what was installed).", "Deleting {}", "Deleted")


affinity_groups = ResourceGroup(
    "affinity-groups",
    "Anti-affinity and dedicated groups.",
    columns="ID:id,NAME:name,TYPE:type,INSTANCES:instanceNames",
    filters=("type",),
)
InstancesOption = Annotated[
    list[str] | None, typer.Option("--instance", metavar="INSTANCE", help="Member name or id (repeatable).")
]


def _members(state: Session, instances: list[str] | None) -> list[str] | None:
    """The ids of the instances ``--instance`` names, if it was given."""
    return [state.resolve(state.env.instances, item) for item in instances] if instances else None


@affinity_groups.mutation("create", "Creating group {name}")
def create_group(
    state: Session,
    name: Annotated[str, typer.Argument(help="Name of the new group.")],
    description: DescriptionOption = None,
    instance: InstancesOption = None,
) -> Task[Any]:
    """Create a host anti-affinity group."""
    groups = state.env.affinity_groups
    return groups.create(name, description=description or name, instance_ids=_members(state, instance))


GROUP_REF = Reference(affinity_groups, "GROUP", "Affinity group name or id.")
GroupArgument = Annotated[str, typer.Argument(metavar="GROUP", help="Affinity group name or id.")]


@affinity_groups.mutation("update", "Updating group {group}")
def update_group(
    state: Session,
    group: GroupArgument,
    name: NewNameOption = None,
    description: NewDescriptionOption = None,
    instance: InstancesOption = None,
) -> Task[Any]:
    """Change a group; --instance options replace its member list."""
    members = _members(state, instance)
    return state.env.affinity_groups.update(
        GROUP_REF.entity_id(state, group), name=name, description=description, instance_ids=members
    )


GROUP_REF.task("delete", "Delete an affinity group.", "Deleting group {}", "Deleted")


APPS = [ssh_keys, affinity_groups]
