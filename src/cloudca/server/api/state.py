"""What the HTTP edge keeps for the process: the runtime, plus the access service.

The access service authenticates callers and resolves their environments; only the edge does that
(``api.authorization``, the fast lane, the routers). Services and task handlers receive the plain
``Runtime``, which knows nothing of access, and the caller's ``EnvironmentScope`` as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudca.server.access.service import AccessService
from cloudca.server.runtime import Runtime


@dataclass
class EdgeRuntime(Runtime):
    access: AccessService
