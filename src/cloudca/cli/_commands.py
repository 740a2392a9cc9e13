"""Builders for the commands resources share: ``list`` and ``get``, the mutations that start a task
and finish it (``--output``, ``--no-wait``, ``--timeout``), and the administration's synchronous
commands. A command's body receives the session (and, for a :class:`Reference` command, the
entity's id) and returns the task or what to show; the builder does the rest."""

# No ``from __future__ import annotations`` here: the commands are closures whose annotations
# use the builder's arguments, and typer evaluates annotations in the module's namespace.

import functools
import inspect
import operator
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

__all__ = [
    "RENAME_OPTIONS",
    "DescriptionOption",
    "NewDescriptionOption",
    "NewNameOption",
    "Reference",
    "ResourceGetter",
    "ResourceGroup",
    "add_read_commands",
    "as_given",
    "finishes_task",
    "parse_columns",
    "resource_app",
]

#: Picks the SDK resource (``env.zones``, ``client.environments``, ...) out of a session.
ResourceGetter = Callable[[Session], Any]
#: Turns what the user typed into the id the SDK method takes (default: the resource's id or name).
Lookup = Callable[[Session, str], str]
#: A mutation's body: given the session (and the entity's id, for a :class:`Reference` command)
#: and the command's own arguments, it starts the task and returns it.
Start = Callable[..., Task[Any]]


def resource_app(name: str, help_text: str) -> typer.Typer:
    """A ``cloudca <name>`` command group."""
    return typer.Typer(name=name, help=help_text, no_args_is_help=True)


def parse_columns(spec: str) -> list[Column]:
    """Table columns written as kubectl's custom columns are: ``"ID:id,NAME:name,ZONE:zoneName"``
    (each a header and the wire key whose value the column shows)."""
    return [(header, key) for header, _, key in (item.partition(":") for item in spec.split(","))]


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


class ResourceGroup(typer.Typer):
    """A ``cloudca <name>`` group over one SDK resource, with ``list`` and ``get``
    (:func:`add_read_commands`). ``resource`` is the SDK resource's path from the session
    (default ``env.<name>``); ``columns`` as :func:`parse_columns` reads them. ``noun`` defaults to
    the name in the singular (``compute-offerings``: ``compute offering``), ``plural`` to the noun
    and an ``s``."""

    def __init__(
        self,
        name: str,
        help_text: str,
        *,
        columns: str,
        noun: str | None = None,
        plural: str | None = None,
        resource: str | None = None,
        filters: Sequence[str] = (),
        with_get: bool = True,
    ) -> None:
        super().__init__(name=name, help=help_text, no_args_is_help=True)
        self.resource: ResourceGetter = operator.attrgetter(resource or f"env.{name.replace('-', '_')}")
        noun = noun or name.removesuffix("s").replace("-", " ")
        add_read_commands(
            self,
            noun=noun,
            plural=plural or f"{noun}s",
            columns=parse_columns(columns),
            resource=self.resource,
            filters=filters,
            with_get=with_get,
        )

    def action(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Add ``<name>`` for a synchronous call (the administration's): made of a function that
        takes the session and the command's arguments and returns what the command shows
        (``--output``)."""

        def decorate(body: Callable[..., Any]) -> Callable[..., Any]:
            self.command(name)(_command(body, _own_parameters(body, skip=1), None, [_OUTPUT], _show))
            return body

        return decorate

    def mutation(self, name: str, label: str) -> Callable[[Start], Start]:
        """Add ``<name>`` made of a function that takes the session and the command's arguments,
        starts a task and returns it (as :func:`finishes_task` makes it)."""

        def decorate(start: Start) -> Start:
            self.command(name)(finishes_task(label)(start))
            return start

        return decorate


def as_given(state: Session, reference: str) -> str:
    """A :data:`Lookup` for references the API takes as they are (ids, or names it resolves itself)."""
    return reference


#: ``--output``, of every command that shows what it did.
_OUTPUT = inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=OutputOption)
#: The options every mutation takes, after its own (``--output``, ``--no-wait``, ``--timeout``).
_MUTATION_OPTIONS = [
    _OUTPUT,
    inspect.Parameter("no_wait", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=NoWaitOption),
    inspect.Parameter("timeout", inspect.Parameter.KEYWORD_ONLY, default=600.0, annotation=TimeoutOption),
]
_CONTEXT = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
#: The parameter a :class:`Reference` command receives what the user typed for the entity in.
_GIVEN = "given"
#: What a command does with what its body returned: called with that, the texts to format a label
#: with (what the user typed for the entity, if any, and the other arguments) and the values of the
#: options it finishes with.
Finish = Callable[..., None]


def _own_parameters(start: Start, skip: int) -> list[inspect.Parameter]:
    """The command's own parameters: ``start``'s, evaluated (its module may postpone annotations),
    without the first ``skip`` (the session, the entity's id) that the command supplies itself."""
    return list(inspect.signature(start, eval_str=True).parameters.values())[skip:]


#: ``--description`` of a ``create``: most entities are described by their name unless told otherwise.
DescriptionOption = Annotated[str | None, typer.Option(help="Description [default: NAME].")]
NewNameOption = Annotated[str | None, typer.Option(help="New name.")]
NewDescriptionOption = Annotated[str | None, typer.Option(help="New description.")]
#: ``--name`` and ``--description`` of an ``update`` made by :meth:`Reference.task`.
RENAME_OPTIONS = [
    inspect.Parameter(option, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=annotation)
    for option, annotation in (("name", NewNameOption), ("description", NewDescriptionOption))
]


def _command(
    body: Callable[..., Any],
    parameters: Sequence[inspect.Parameter],
    reference: "Reference | None",
    options: Sequence[inspect.Parameter],
    finish: Finish,
) -> Callable[..., None]:
    """The command of ``body``: it takes the context, ``parameters`` and then ``options``; it calls
    ``body`` with the session (then, with a ``reference``, the entity's id) and its arguments, and
    hands what ``body`` returns to ``finish``."""

    @functools.wraps(body)  # the name and the docstring typer makes the help of
    def command(ctx: typer.Context, **kwargs: Any) -> None:
        finishing = {option.name: kwargs.pop(option.name) for option in options}
        state = session(ctx)
        given = [kwargs.pop(_GIVEN)] if reference else []
        entity_ids = [reference.entity_id(state, *given)] if reference else []
        finish(body(state, *entity_ids, **kwargs), given, kwargs, **finishing)

    # typer reads the parameters from the signature and the type hints.
    signature = [_CONTEXT, *parameters, *options]
    command.__signature__ = inspect.Signature(signature, return_annotation=None)  # type: ignore[attr-defined]
    command.__annotations__ = {**{param.name: param.annotation for param in signature}, "return": None}
    return command


def _mutation(
    start: Start,
    label: str,
    gone: str | None,
    parameters: Sequence[inspect.Parameter],
    reference: "Reference | None" = None,
) -> Callable[..., None]:
    """The command of ``start``, which returns a task: it finishes the task as every mutation does
    (:func:`~cloudca.cli._session.submit`). ``label``, shown while waiting, is formatted with what
    the user typed for the entity (``{}``) and the other arguments (``"Creating VPC {name}"``)."""

    def finish(
        task: Task[Any],
        given: Sequence[str],
        arguments: dict[str, Any],
        *,
        output: OutputFormat | None,
        no_wait: bool,
        timeout: float,
    ) -> None:
        label_text = label.format(*given, **arguments)
        submit(task, label=label_text, output=output, no_wait=no_wait, timeout=timeout, gone=gone)

    return _command(start, parameters, reference, _MUTATION_OPTIONS, finish)


def _show(
    result: Any, given: Sequence[str], arguments: dict[str, Any], *, output: OutputFormat | None
) -> None:
    show_one(result, output)


def _discard(result: Any, given: Sequence[str], arguments: dict[str, Any]) -> None:
    """A synchronous command that shows nothing (a ``delete`` of the administration)."""


def _calling(method: str, resource: ResourceGetter) -> Callable[..., Any]:
    """A body calling the SDK ``method`` of ``resource`` with the entity's id and the arguments."""

    def body(state: Session, entity_id: str, **kwargs: Any) -> Any:
        return getattr(resource(state), method)(entity_id, **kwargs)

    return body


def finishes_task(label: str, gone: str | None = None) -> Callable[[Start], Callable[..., None]]:
    """Make a command of a function that takes the session and the command's arguments, starts a
    task and returns it: the command gains ``--output``, ``--no-wait`` and ``--timeout`` and
    finishes the task as every mutation does. ``label`` as in :func:`_mutation`; ``gone`` as in
    :func:`~cloudca.cli._session.submit`."""

    def decorate(start: Start) -> Callable[..., None]:
        return _mutation(start, label, gone, _own_parameters(start, skip=1))

    return decorate


@dataclass(frozen=True)
class Reference:
    """How the commands of one group take an entity: the argument's metavar and help, and how
    what the user typed becomes the id (default: the group resource's id or unique name)."""

    group: ResourceGroup
    metavar: str
    help: str
    lookup: Lookup | None = None

    def entity_id(self, state: Session, given: str) -> str:
        """The id of the entity ``given`` names."""
        if self.lookup:
            return self.lookup(state, given)
        return state.resolve(self.group.resource(state), given)

    def _argument(self) -> inspect.Parameter:
        return inspect.Parameter(
            _GIVEN,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[str, typer.Argument(metavar=self.metavar, help=self.help)],
        )

    def mutation(self, name: str, label: str, gone: str | None = None) -> Callable[[Start], Start]:
        """Add ``<name> REFERENCE ...`` made of a function that takes the session, the entity's id
        and the command's other arguments, starts a task and returns it (see :func:`_mutation`;
        ``{}`` in ``label`` stands for the reference)."""

        def decorate(start: Start) -> Start:
            parameters = [self._argument(), *_own_parameters(start, skip=2)]
            self.group.command(name)(_mutation(start, label, gone, parameters, self))
            return start

        return decorate

    def action(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Add ``<name> REFERENCE ...`` for a synchronous call (the administration's): made of a
        function that takes the session, the entity's id and the command's other arguments, and
        returns what the command shows (``--output``)."""

        def decorate(body: Callable[..., Any]) -> Callable[..., Any]:
            parameters = [self._argument(), *_own_parameters(body, skip=2)]
            self.group.command(name)(_command(body, parameters, self, [_OUTPUT], _show))
            return body

        return decorate

    def call(
        self, name: str, help_text: str, options: Sequence[inspect.Parameter] = (), shows: bool = False
    ) -> None:
        """Add ``<name> REFERENCE`` for a synchronous SDK method of the same name (the
        administration's): call it with the entity's id (and ``options`` as keywords) and, when it
        ``shows``, show what it returns (``--output``)."""
        body = _calling(name.replace("-", "_"), self.group.resource)
        finishing = ([_OUTPUT], _show) if shows else ([], _discard)
        self.group.command(name, help=help_text)(
            _command(body, [self._argument(), *options], self, *finishing)
        )

    def task(
        self,
        name: str,
        help_text: str,
        label: str,
        gone: str | None = None,
        options: Sequence[inspect.Parameter] = (),
    ) -> None:
        """Add ``<name> REFERENCE``: call the SDK method of the same name (``set-default`` is
        ``set_default``) with the entity's id (and ``options`` as keywords) and finish the task as
        every mutation does. ``label`` as in :meth:`mutation`; ``gone`` as in
        :func:`~cloudca.cli._session.submit`."""
        body = _calling(name.replace("-", "_"), self.group.resource)
        self.group.command(name, help=help_text)(
            _mutation(body, label, gone, [self._argument(), *options], self)
        )
