"""cloudca: a self-hosted compute service that speaks the cloud.ca compute API.

The package's top level is the Python SDK (``from cloudca import Client``); see ``cloudca.client``.
"""

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The SDK is imported on first use (PEP 562), so that running the server (``import cloudca.server``)
# does not pay for loading the client; type checkers see the names through the block below.
if TYPE_CHECKING:
    from cloudca.client import *  # noqa: F403


def __getattr__(name: str) -> Any:
    if name != "__all__" and not name[:1].isupper():
        # The SDK's public names are all classes: a submodule being imported (``cloudca.server``)
        # or a dunder must not load the client.
        raise AttributeError(f"module 'cloudca' has no attribute {name!r}")
    # ``import_module``, not ``from cloudca import client``: the latter would ask for ``__all__``.
    client = importlib.import_module("cloudca.client")
    if name == "__all__":
        # One list of public names: the SDK's (``cloudca.client.__all__``), and the version.
        return sorted([*client.__all__, "__version__"])
    if name in client.__all__:
        return getattr(client, name)
    raise AttributeError(f"module 'cloudca' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__getattr__("__all__")])
