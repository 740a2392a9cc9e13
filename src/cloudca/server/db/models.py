"""Imports every module that declares tables, so the metadata (and Alembic) sees all of them.

Importing the modules is the point: a table exists in ``Base.metadata`` once its class is defined.
"""

import cloudca.server.access.models
import cloudca.server.catalog.models
import cloudca.server.idempotency.models
import cloudca.server.instances.models
import cloudca.server.networking.models
import cloudca.server.placement.models
import cloudca.server.sshkeys.models
import cloudca.server.storage.models
import cloudca.server.tasks.models
import cloudca.server.tasks.sealing  # noqa: F401  (InstallationKey)
from cloudca.server.db.base import Base

__all__ = ["Base"]
