"""The instance state machine of API-CONTRACT 5: which operation is allowed from which state, what
the API shows while it runs, and the exact wording of a refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

RUNNING = "Running"
STOPPED = "Stopped"
DESTROYED = "Destroyed"
ERROR = "Error"
STARTING = "Starting"
STOPPING = "Stopping"
EXPUNGING = "Expunging"

STABLE = (RUNNING, STOPPED, DESTROYED, ERROR)
TRANSITIONAL = (STARTING, STOPPING, EXPUNGING)


def _unchanged(state: str) -> str:
    return state


@dataclass(frozen=True)
class Transition:
    """An operation's precondition and the state shown while its task runs."""

    operation: str
    #: Verb in D's refusal message: "Cannot <verb> an instance that isn't in the <states> state".
    verb: str
    allowed: tuple[str, ...]
    shown_while_running: Callable[[str], str] = _unchanged

    def refusal(self) -> str:
        states = " or ".join(state.lower() for state in self.allowed)
        return f"Cannot {self.verb} an instance that isn't in the {states} state"


def _reboot_shows(state: str) -> str:
    return STARTING if state == STOPPED else state


def _destroy_shows(state: str) -> str:
    return STOPPING if state == RUNNING else state


START = Transition("start", "start", (STOPPED,), lambda _: STARTING)
STOP = Transition("stop", "stop", (RUNNING,), lambda _: STOPPING)
REBOOT = Transition("reboot", "reboot", (RUNNING, STOPPED), _reboot_shows)
PURGE = Transition("purge", "purge", (DESTROYED,), lambda _: EXPUNGING)
RECOVER = Transition("recover", "recover", (DESTROYED,))
UPDATE = Transition("update", "update", (RUNNING, STOPPED, ERROR))
CHANGE_COMPUTE_OFFERING = Transition(
    "changeComputeOffering", "change the compute offering of", (RUNNING, STOPPED)
)
CHANGE_NETWORK = Transition("changeNetwork", "change the network of", (RUNNING, STOPPED))
ASSOCIATE_SSH_KEY = Transition("associateSSHKey", "associate an SSH key to", (RUNNING, STOPPED))
RESET_PASSWORD = Transition("resetPassword", "reset the password of", (RUNNING, STOPPED))
CREATE_RECOVERY_POINT = Transition("createRecoveryPoint", "create a recovery point of", (RUNNING, STOPPED))
DESTROY = Transition("destroy", "destroy", (RUNNING, STOPPED, ERROR), _destroy_shows)
#: Decision 8.73: ``purgeImmediately`` also purges an instance that is already Destroyed.
DESTROY_AND_PURGE = Transition(
    "destroy", "destroy", (RUNNING, STOPPED, ERROR, DESTROYED), lambda _: EXPUNGING
)
