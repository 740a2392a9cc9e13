"""``cloudca organizations ...``, ``cloudca users ...`` and ``cloudca api-keys ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import NewNameOption, Reference, ResourceGroup, parse_columns, resource_app
from cloudca.cli._output import show_list, show_one, stderr
from cloudca.cli._session import OutputOption, Session, session
from cloudca.client import Organization, User
from cloudca.client._resources.async_teams import environment_role

organizations = ResourceGroup(
    "organizations",
    "Organizations and sub-organizations (administration).",
    columns="ID:id,NAME:name,ENTRY POINT:entryPoint,PARENT:parent.name",
    resource="client.organizations",
)
ORGANIZATION_REF = Reference(organizations, "ORGANIZATION", "Organization name or id.")


@organizations.action("create")
def create_organization(
    state: Session,
    name: Annotated[str, typer.Argument(help="Display name.")],
    entry_point: Annotated[str, typer.Option("--entry-point", help="Unique code (letters, digits, -).")],
    parent: Annotated[str | None, typer.Option(help="Parent organization [default: yours].")] = None,
) -> Organization:
    """Create a sub-organization."""
    api = state.client.organizations
    return api.create(name, entry_point, parent_id=state.resolve(api, parent) if parent else None)


@ORGANIZATION_REF.action("update")
def update_organization(
    state: Session,
    organization_id: str,
    name: NewNameOption = None,
    entry_point: Annotated[str | None, typer.Option("--entry-point", help="New entry point.")] = None,
) -> Organization:
    """Rename an organization or change its entry point."""
    return state.client.organizations.update(organization_id, name=name, entry_point=entry_point)


ORGANIZATION_REF.call("delete", "Delete an organization that has no sub-organizations or environments left.")


users = ResourceGroup(
    "users",
    "Users and their roles (administration).",
    columns="ID:id,USER NAME:userName,EMAIL:email,STATUS:status",
    resource="client.users",
    filters=["organizationId"],
)
USER_REF = Reference(users, "USER", "User name or id.")
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


@users.action("create")
def create_user(
    state: Session,
    user_name: Annotated[str, typer.Argument(metavar="USER_NAME", help="Unique user name.")],
    email: Annotated[str, typer.Option(help="Email address.")],
    first_name: Annotated[str, typer.Option("--first-name", help="First name [default: USER_NAME].")] = "",
    last_name: Annotated[str, typer.Option("--last-name", help="Last name.")] = "",
    organization: Annotated[str | None, typer.Option(help="Organization [default: yours].")] = None,
    role: RoleOption = None,
    admin: AdminOption = False,
) -> User:
    """Create a user, with roles in environments (and organization admin rights with --admin)."""
    organization_id = state.resolve(state.client.organizations, organization) if organization else None
    return state.client.users.create(
        user_name,
        first_name=first_name or user_name,
        last_name=last_name,
        email=email,
        organization_id=organization_id,
        roles=_roles(state, role, admin),
    )


@users.action("update")
def update_user(
    state: Session,
    user: UserArgument,
    email: Annotated[str | None, typer.Option(help="New email address.")] = None,
    first_name: Annotated[str | None, typer.Option("--first-name", help="New first name.")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name", help="New last name.")] = None,
    role: RoleOption = None,
    admin: Annotated[
        bool | None, typer.Option("--admin/--no-admin", help="With --role: replace all roles.")
    ] = None,
) -> User:
    """Change a user; --role or --admin/--no-admin replaces all of the user's roles."""
    roles = _roles(state, role, bool(admin)) if role is not None or admin is not None else None
    return state.client.users.update(
        USER_REF.entity_id(state, user), email=email, first_name=first_name, last_name=last_name, roles=roles
    )


USER_REF.call("delete", "Delete a user; their API keys stop working at once.")
USER_REF.call("unlock", "Make a user active again.", shows=True)


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
