"""Global options anywhere: ``cloudca instances list --profile lab`` means ``cloudca --profile lab
instances list``, as people expect from kubectl and the cloud CLIs.

Before the root group parses its arguments, the root's own options found after the subcommand are
moved in front of it, unless the subcommand has an option of the same name (its own then wins).
Nothing after ``--`` is touched.
"""

from __future__ import annotations

from collections.abc import Sequence

from typer._click.core import Command
from typer._click.core import Context as ClickContext
from typer.core import TyperGroup

__all__ = ["hoist_global_options"]


def _option_names(command: Command) -> dict[str, bool]:
    """Option name -> whether it takes a value, for every option of ``command``."""
    names: dict[str, bool] = {}
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes_value = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for name in (*param.opts, *param.secondary_opts):
            names[name] = takes_value
    return names


def _split(token: str) -> tuple[str, str | None]:
    name, sep, value = token.partition("=")
    return (name, value) if sep and name.startswith("--") else (token, None)


def hoist_global_options(root: TyperGroup, ctx: ClickContext, args: Sequence[str]) -> list[str]:
    """``args`` with the root's options moved before the subcommand path."""
    root_options = _option_names(root)
    front: list[str] = []
    index = 0
    command: Command = root
    # Walk the root's own options and the subcommand path (groups, then the leaf command).
    while index < len(args):
        token = args[index]
        if token == "--":  # noqa: S105 (the end-of-options marker)
            return list(args)
        if token.startswith("-"):
            options = _option_names(command)
            name, inline = _split(token)
            index += 2 if options.get(name) and inline is None else 1
            continue
        if not isinstance(command, TyperGroup):
            break
        sub = command.get_command(ctx, token)
        if sub is None:
            return list(args)  # an unknown command: let click say so
        command = sub
        index += 1
    if command is root:
        return list(args)
    leaf_options = _option_names(command)
    moved: list[str] = []
    rest: list[str] = []
    position = 0
    while position < len(args):
        token = args[position]
        if token == "--":  # noqa: S105 (the end-of-options marker)
            rest.extend(args[position:])
            break
        name, inline = _split(token)
        if name in root_options and name not in leaf_options:
            moved.append(token)
            if root_options[name] and inline is None and position + 1 < len(args):
                moved.append(args[position + 1])
                position += 1
        else:
            rest.append(token)
        position += 1
    front.extend(moved)
    return front + rest
