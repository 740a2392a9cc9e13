"""Expand the call builders of an SDK spec module into typed task methods.

In a spec module (``client/_resources/spec_*.py``) a task method is written once, as the builder
of its request::

    @task
    def attach(self, volume_id: str, instance_id: str) -> Call[Volume]:
        \"\"\"Attach a data volume to an instance.\"\"\"
        return self._requests.operation(volume_id, "attachToInstance", {"instanceId": instance_id})

and becomes, in the generated async module, the method that submits it, with ``wait`` and
``timeout`` and the two overloads that let a type checker tell ``wait=True`` (the result) from
``wait=False`` (the task). Typing cannot add keyword-only parameters to an arbitrary signature, so
this is done here, in text, rather than by a decorator.
"""

from __future__ import annotations

import ast

WAIT = {
    "task": "wait: Literal[False] = False",
    "result": "wait: Literal[True]",
    "either": "wait: bool = False",
}
TIMEOUT = "timeout: float = DEFAULT_TASK_TIMEOUT"
#: Comments of the spec about itself start with this (they are left out of the generated module).
SPEC_ONLY = "# spec:"
#: What the async module needs and its spec does not: the methods take ``timeout``.
ASYNC_ONLY = (
    "# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.\n"
    "# ruff: noqa: ASYNC109\n"
)
IMPORTS = (
    "from typing import TYPE_CHECKING, Literal, overload\n"
    "from cloudca.client._resources._base import DEFAULT_TASK_TIMEOUT\n"
)
TASK_IMPORT = "if TYPE_CHECKING:\n    from cloudca.client._async_task import AsyncTask\n"


def _segment(text: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(text, node)
    if segment is None:
        raise SystemExit(f"no source for {ast.dump(node)}")
    return segment


def _parameters(text: str, args: ast.arguments) -> tuple[list[str], list[str], list[str]]:
    """The builder's positional, keyword-only and ``**`` parameters, as written."""

    def one(arg: ast.arg, default: ast.expr | None) -> str:
        written = arg.arg if arg.annotation is None else f"{arg.arg}: {_segment(text, arg.annotation)}"
        return written if default is None else f"{written} = {_segment(text, default)}"

    padded: list[ast.expr | None] = [None] * (len(args.args) - len(args.defaults))
    defaults = [*padded, *args.defaults]
    positional = [one(arg, default) for arg, default in zip(args.args, defaults, strict=True)]
    keyword = [one(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    return positional, keyword, [f"**{one(args.kwarg, None)}"] if args.kwarg else []


def _method(text: str, lines: list[str], node: ast.FunctionDef) -> str:
    returns = node.returns
    if not (isinstance(returns, ast.Subscript) and _segment(text, returns.value) == "Call"):
        raise SystemExit(f"@task {node.name} must return Call[...]")
    result = _segment(text, returns.slice)
    last = node.body[-1]
    if not (isinstance(last, ast.Return) and last.value is not None):
        raise SystemExit(f"@task {node.name} must end with `return <call>`")
    indent = " " * node.col_offset
    positional, keyword, rest = _parameters(text, node.args)
    answers = {"task": f"AsyncTask[{result}]", "result": result, "either": f"AsyncTask[{result}] | {result}"}
    out = []
    for kind, answer in answers.items():
        params = ", ".join([*positional, "*", *keyword, WAIT[kind], TIMEOUT, *rest])
        if kind != "either":
            out.append(f"{indent}@overload\n")
        tail = " ..." if kind != "either" else ""
        out.append(f"{indent}async def {node.name}({params}) -> {answer}:{tail}\n")
    before = "".join(lines[node.body[0].lineno - 1 : last.lineno - 1])
    call = _segment(text, last.value)
    out.append(f"{before}{indent}    return await self._submit({call}, wait, timeout)\n")
    return "".join(out)


def expand_tasks(text: str) -> str:
    """The async module for a spec module's text (imports added; ruff sorts and formats them)."""
    original = text.splitlines(keepends=True)
    lines = list(original)
    builders = [
        node
        for cls in ast.parse(text).body
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(d, ast.Name) and d.id == "task" for d in node.decorator_list)
    ]
    for node in sorted(builders, key=lambda n: n.lineno, reverse=True):
        start = min(d.lineno for d in node.decorator_list) - 1
        lines[start : node.end_lineno] = [_method(text, original, node)]
    expanded = "".join(line for line in lines if not line.startswith(SPEC_ONLY))
    future = "from __future__ import annotations\n"
    expanded = expanded.replace(future, f"{ASYNC_ONLY}{future}\n{IMPORTS}", 1)
    # The overloads name AsyncTask, which is imported for the type checker only (before __all__).
    return expanded.replace("__all__ = ", f"{TASK_IMPORT}\n__all__ = ", 1)
