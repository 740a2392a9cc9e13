"""Exit codes of the ``cloudca`` command, and which error maps to which."""

from __future__ import annotations

from enum import IntEnum

# The SDK module, not a list of its names: the error classes are referred to as ``sdk.X``.
from cloudca import client as sdk

__all__ = ["ExitCode", "exit_code_for", "exit_codes_help"]


class ExitCode(IntEnum):
    """What a script can learn from ``$?``."""

    OK = 0
    ERROR = 1  #: anything not listed below (server error, unexpected answer)
    USAGE = 2  #: bad command line, ambiguous name, missing configuration
    NOT_FOUND = 3  #: no such entity (id or name), task or environment
    INVALID_STATE = 4  #: the entity's state forbids the operation, or another task runs on it
    TASK_FAILED = 5  #: the task ended FAILED
    TIMEOUT = 6  #: the task (or the server) did not answer in time
    UNREACHABLE = 7  #: the API could not be reached
    UNAUTHORIZED = 8  #: missing/unknown API key, or not allowed
    INVALID_REQUEST = 9  #: the server refused the input (missing or invalid field, ...)
    CONFLICT = 10  #: duplicate name/address/port, or entity still in use
    INTERRUPTED = 130  #: Ctrl-C while waiting (the task goes on: ``cloudca tasks wait ID``)


_ORDER: tuple[tuple[type[sdk.CloudcaError], ExitCode], ...] = (
    (sdk.ConfigurationError, ExitCode.USAGE),
    (sdk.AmbiguousNameError, ExitCode.USAGE),
    (sdk.NameNotFoundError, ExitCode.NOT_FOUND),
    (sdk.NotFoundError, ExitCode.NOT_FOUND),
    (sdk.InvalidStateError, ExitCode.INVALID_STATE),
    (sdk.EntityBusyError, ExitCode.INVALID_STATE),
    (sdk.DuplicateError, ExitCode.CONFLICT),
    (sdk.EntityInUseError, ExitCode.CONFLICT),
    (sdk.BadRequestError, ExitCode.INVALID_REQUEST),
    (sdk.AuthenticationError, ExitCode.UNAUTHORIZED),
    (sdk.PermissionDeniedError, ExitCode.UNAUTHORIZED),
    (sdk.TaskFailedError, ExitCode.TASK_FAILED),
    (sdk.TaskTimeoutError, ExitCode.TIMEOUT),
    (sdk.APITimeoutError, ExitCode.TIMEOUT),
    (sdk.APIConnectionError, ExitCode.UNREACHABLE),
    (sdk.APIError, ExitCode.ERROR),
)


def exit_code_for(error: sdk.CloudcaError) -> ExitCode:
    """The exit code for an SDK error (most specific class first)."""
    return next((code for cls, code in _ORDER if isinstance(error, cls)), ExitCode.ERROR)


def exit_codes_help() -> str:
    """The table of exit codes, as ``cloudca --help`` and the README show it."""
    lines = []
    for code in ExitCode:
        meaning = _MEANINGS[code]
        lines.append(f"  {code.value:>3}  {meaning}")
    return "\n".join(lines)


_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.ERROR: "any other error (server error, unexpected answer)",
    ExitCode.USAGE: "bad command line, ambiguous name, missing configuration",
    ExitCode.NOT_FOUND: "no such entity (id or name), task or environment",
    ExitCode.INVALID_STATE: "the entity's state forbids it, or another task runs on it",
    ExitCode.TASK_FAILED: "the task ended FAILED",
    ExitCode.TIMEOUT: "the task (or the server) did not answer in time",
    ExitCode.UNREACHABLE: "the API could not be reached",
    ExitCode.UNAUTHORIZED: "missing or unknown API key, or not allowed",
    ExitCode.INVALID_REQUEST: "the server refused the input (missing or invalid field)",
    ExitCode.CONFLICT: "duplicate name, address or port, or entity still in use",
    ExitCode.INTERRUPTED: "Ctrl-C while waiting; the task goes on (cloudca tasks wait ID)",
}
