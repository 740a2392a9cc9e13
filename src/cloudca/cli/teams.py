"""``cloudca organizations ...``, ``cloudca users ...`` and ``cloudca api-keys ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import NewNameOption, ResourceGroup, parse_columns, resource_app
from cloudca.cli._output import show_list, show_one, stderr
from cloudca.cli._session import OutputOption, Session, session
from cloudca.client._resources.async_teams import environment_role

organizations = ResourceGroup(
    "organizations",
    "Organizations and sub-organizations (administration).",
    noun="organization",
    columns="ID:id,NAME:name,ENTRY POINT:entryPoint,PARENT:parent.name",
    resource="client.organizations",
)
OrganizationArgument = Annotated[str, typer.Argument(metavar="ORGANIZATION", help="Organization name or id.")]


@organizations.command("create")
def create_organization(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Display name.")],
    entry_point: Annotated[str, typer.Option("--entry-point", help="Unique code (letters, digits, -).")],
    parent: Annotated[str | None, typer.Option(help="Parent organization [default: yours].")] = None,
    output: OutputOption = None,
) -> None:
    """Create a sub-organization."""
    state = session(ctx)
    api = state.client.organizations
    parent_id = state.resolve(api, parent) if parent else None
    show_one(api.create(name, entry_point, parent_id=parent_id), output)


@organizations.command("update")
def update_organization(
    ctx: typer.Context,
    organization: OrganizationArgument,
    name: NewNameOption = None,
    entry_point: Annotated[str | None, typer.Option("--entry-point", help="New entry point.")] = None,
    output: OutputOption = None,
) -> None:
    """Rename an organization or change its entry point."""
    state = session(ctx)
    api = state.client.organizations
    show_one(api.update(state.resolve(api, organization), name=name, entry_point=entry_point), output)


@organizations.command("delete")
def delete_organization(ctx: typer.Context, organization: OrganizationArgument) -> None:
    """Delete an organization that has no sub-organizations or environments left."""
    state = session(ctx)
    api = state.client.organizations
    api.delete(state.resolve(api, organization))


users = ResourceGroup(
    "users",
    "Users and their roles (administration).",
    noun="user",
    columns="ID:id,USER NAME:userName,EMAIL:email,STATUS:status",
    resource="client.users",
    filters=["organizationId"],
)
UserArgument = Annotated[str, typer.Argument(metavar="USER", help="User name or id.")]
RoleOption = Annotated[
    list[str] | None,
    typer.Option(
        "--role",
        metavar="ENVIRONMENT:ROLE",
        help="A role in an environment, e.g. dev:Read-only "
        "(roles: Environment Admin, User, Read-only); repeatable.",
    ),
]
AdminOption = Annotated[bool, typer.Option("--admin", help="Make the user an organization admin.")]


def _roles(state: Session, roles: list[str] | None, admin: bool) -> list[dict[str, Any]]:
    granted: list[dict[str, Any]] = [{"name": "Administrator"}] if admin else []
    for item in roles or []:
        environment, sep, role = item.partition(":")
        if not sep or not role:
            raise typer.BadParameter(f"expected ENVIRONMENT:ROLE, got {item!r}", param_hint="--role")
        environments = state.client.environments
        granted.append(environment_role(state.resolve(environments, environment), role))
    return granted


@users.command("create")
def create_user(
    ctx: typer.Context,
    user_name: Annotated[str, typer.Argument(metavar="USER_NAME", help="Unique user name.")],
    email: Annotated[str, typer.Option(help="Email address.")],
    first_name: Annotated[str, typer.Option("--first-name", help="First name [default: USER_NAME].")] = "",
    last_name: Annotated[str, typer.Option("--last-name", help="Last name.")] = "",
    organization: Annotated[str | None, typer.Option(help="Organization [default: yours].")] = None,
    role: RoleOption = None,
    admin: AdminOption = False,
    output: OutputOption = None,
) -> None:
    """Create a user, with roles in environments (and organization admin rights with --admin)."""
    state = session(ctx)
    organization_id = state.resolve(state.client.organizations, organization) if organization else None
    user = state.client.users.create(
        user_name,
        first_name=first_name or user_name,
        last_name=last_name,
        email=email,
        organization_id=organization_id,
        roles=_roles(state, role, admin),
    )
    show_one(user, output)


@users.command("update")
def update_user(
    ctx: typer.Context,
    user: UserArgument,
    email: Annotated[str | None, typer.Option(help="New email address.")] = None,
    first_name: Annotated[str | None, typer.Option("--first-name", help="New first name.")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name", help="New last name.")] = None,
    role: RoleOption = None,
    admin: Annotated[
        bool | None, typer.Option("--admin/--no-admin", help="With --role: replace all roles.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Change a user; --role or --admin/--no-admin replaces all of the user's roles."""
    state = session(ctx)
    api = state.client.users
    roles = _roles(state, role, bool(admin)) if role is not None or admin is not None else None
    updated = api.update(
        state.resolve(api, user), email=email, first_name=first_name, last_name=last_name, roles=roles
    )
    show_one(updated, output)


@users.command("delete")
def delete_user(ctx: typer.Context, user: UserArgument) -> None:
    """Delete a user; their API keys stop working at once."""
    state = session(ctx)
    state.client.users.delete(state.resolve(state.client.users, user))


@users.command("unlock")
def unlock_user(ctx: typer.Context, user: UserArgument, output: OutputOption = None) -> None:
    """Make a user active again."""
    state = session(ctx)
    show_one(state.client.users.unlock(state.resolve(state.client.users, user)), output)


api_keys = resource_app("api-keys", "API keys of users (a cloudca extension).")
UserOption = Annotated[
    str | None, typer.Option("--user", help="Whose keys [default: yours, when you see only yourself].")
]
KEY_COLUMNS = parse_columns("ID:id,NAME:name,CREATED:creationDate,LAST USED:lastUsed")


def _owner(state: Session, user: str | None) -> str:
    api = state.client.users
    if user:
        return state.resolve(api, user)
    visible = api.list()
    if len(visible) == 1:
        return visible[0].id
    raise typer.BadParameter("you see several users: name one", param_hint="--user")


@api_keys.command("list")
def list_api_keys(ctx: typer.Context, user: UserOption = None, output: OutputOption = None) -> None:
    """List a user's API keys (never their secrets)."""
    state = session(ctx)
    show_list(state.client.users.api_keys(_owner(state, user)).list(), KEY_COLUMNS, output)


@api_keys.command("create")
def create_api_key(
    ctx: typer.Context,
    user: UserOption = None,
    name: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
    output: OutputOption = None,
) -> None:
    """Create an API key and print its secret, this once (only a digest is stored)."""
    state = session(ctx)
    key = state.client.users.api_keys(_owner(state, user)).create(name)
    show_one(key, output)
    stderr().print("The apiKey above is shown only now: store it safely.")


@api_keys.command("revoke")
def revoke_api_key(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY_ID", help="Key id.")],
    user: UserOption = None,
) -> None:
    """Revoke an API key: refused from the moment this returns."""
    state = session(ctx)
    state.client.users.api_keys(_owner(state, user)).revoke(key)


APPS = [organizations, users, api_keys]
