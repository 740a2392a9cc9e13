"""Builders for the commands most resources share: ``list`` and ``get``."""

# No ``from __future__ import annotations`` here: the commands are closures whose annotations
# use the builder's arguments, and typer evaluates annotations in the module's namespace.

import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from cloudca.cli._output import Column, OutputFormat, show_list, show_one
from cloudca.cli._session import (
    NoWaitOption,
    OutputOption,
    Session,
    TimeoutOption,
    WideOption,
    session,
    submit,
)
from cloudca.client import Task

__all__ = ["Reference", "ResourceGetter", "add_read_commands", "as_given", "finishes_task", "resource_app"]

#: Picks the SDK resource (``env.zones``, ``client.environments``, ...) out of a session.
ResourceGetter = Callable[[Session], Any]
#: Turns what the user typed into the id the SDK method takes (default: the resource's id or name).
Lookup = Callable[[typer.Context, str], str]


def resource_app(name: str, help_text: str) -> typer.Typer:
    """A ``cloudca <name>`` command group."""
    return typer.Typer(name=name, help=help_text, no_args_is_help=True)


def add_read_commands(
    app: typer.Typer,
    *,
    noun: str,
    plural: str,
    columns: Sequence[Column],
    resource: ResourceGetter,
    filters: Sequence[str] = (),
    with_get: bool = True,
) -> None:
    """Add ``list`` (``--filter KEY=VALUE`` for the wire filters) and, unless told not to, ``get``."""

    filter_help = (
        f"Server-side filter KEY=VALUE, repeatable; KEY is one of: {', '.join(filters)}."
        if filters
        else f"(no filters for {plural})"
    )

    def list_command(
        ctx: typer.Context,
        output: OutputOption = None,
        wide: WideOption = False,
        filter_: Annotated[
            list[str] | None,
            typer.Option("--filter", "-f", metavar="KEY=VALUE", help=filter_help, hidden=not filters),
        ] = None,
    ) -> None:
        params: dict[str, str] = {}
        for item in filter_ or []:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep:
                raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--filter")
            if key not in filters:
                known = ", ".join(filters) or f"none: {plural} cannot be filtered"
                raise typer.BadParameter(f"unknown filter {key!r} (filters: {known})", param_hint="--filter")
            params[key] = value.strip()
        show_list(resource(session(ctx)).list(**params), columns, output, wide=wide)

    def get_command(
        ctx: typer.Context,
        reference: Annotated[str, typer.Argument(metavar=noun.upper().replace(" ", "_"), help="Name or id.")],
        output: OutputOption = None,
    ) -> None:
        state = session(ctx)
        target = resource(state)
        show_one(target.get(state.resolve(target, reference)), output)

    app.command("list", help=f"List {plural}.")(list_command)
    if with_get:
        app.command("get", help=f"Show one {noun}.")(get_command)


def as_given(ctx: typer.Context, reference: str) -> str:
    """A :data:`Lookup` for references the API takes as they are (ids, or names it resolves itself)."""
    return reference


#: The options every mutation takes, after its own (``--output``, ``--no-wait``, ``--timeout``).
_MUTATION_OPTIONS = [
    inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=OutputOption),
    inspect.Parameter("no_wait", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=NoWaitOption),
    inspect.Parameter("timeout", inspect.Parameter.KEYWORD_ONLY, default=600.0, annotation=TimeoutOption),
]


def finishes_task(
    label: str, gone: str | None = None
) -> Callable[[Callable[..., Task[Any]]], Callable[..., None]]:
    """Make a command of a function that starts a task and returns it: the command gains
    ``--output``, ``--no-wait`` and ``--timeout`` and finishes the task as every mutation does
    (:func:`~cloudca.cli._session.submit`). ``label``, shown while waiting, is formatted with the
    command's arguments (``"Creating VPC {name}"``); ``gone`` as in ``submit``."""

    def decorate(start: Callable[..., Task[Any]]) -> Callable[..., None]:
        @functools.wraps(start)
        def command(
            *args: Any,
            output: OutputFormat | None = None,
            no_wait: bool = False,
            timeout: float = 600.0,
            **kwargs: Any,
        ) -> None:
            task = start(*args, **kwargs)
            submit(
                task, label=label.format(**kwargs), output=output, no_wait=no_wait, timeout=timeout, gone=gone
            )

        # typer reads the parameters from the signature and the type hints: the function's own,
        # evaluated (its module may postpone annotations), then the three options.
        own = inspect.signature(start, eval_str=True)
        command.__signature__ = own.replace(  # type: ignore[attr-defined]
            parameters=[*own.parameters.values(), *_MUTATION_OPTIONS], return_annotation=None
        )
        command.__annotations__ = {
            **typing.get_type_hints(start, include_extras=True),
            **{option.name: option.annotation for option in _MUTATION_OPTIONS},
            "return": None,
        }
        return command

    return decorate


@dataclass(frozen=True)
class Reference:
    """How the commands of one group take an entity: the argument's metavar and help, the SDK
    resource, and how what the user typed becomes the id (default: the resource's id or unique name).
    """

    app: typer.Typer
    metavar: str
    help: str
    resource: ResourceGetter
    lookup: Lookup | None = None

    def task(self, name: str, help_text: str, label: str, gone: str | None = None) -> None:
        """Add ``<name> REFERENCE``: call the SDK method of the same name (``set-default`` is
        ``set_default``) with the entity's id and finish the task as every mutation does
        (``--no-wait``, ``--timeout``, ``--output``). ``label`` is shown while waiting, ``{}``
        standing for the reference; ``gone`` as in :func:`~cloudca.cli._session.submit`."""
        method = name.replace("-", "_")

        def command(
            ctx: typer.Context,
            given: Annotated[str, typer.Argument(metavar=self.metavar, help=self.help)],
            output: OutputOption = None,
            no_wait: NoWaitOption = False,
            timeout: TimeoutOption = 600.0,
        ) -> None:
            state = session(ctx)
            target = self.resource(state)
            entity_id = self.lookup(ctx, given) if self.lookup else state.resolve(target, given)
            task = getattr(target, method)(entity_id)
            submit(
                task, label=label.format(given), output=output, no_wait=no_wait, timeout=timeout, gone=gone
            )

        self.app.command(name, help=help_text)(command)
