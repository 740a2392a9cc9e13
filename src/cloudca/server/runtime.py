"""The long-lived objects of one server process, shared by the HTTP edge and the task runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudca.server.access.service import AccessService
from cloudca.server.config import Settings
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver

if TYPE_CHECKING:
    from cloudca.server.tasks.runner import TaskRunner


@dataclass
class Runtime:
    settings: Settings
    database: Database
    driver: ComputeDriver
    access: AccessService
    tasks: TaskRunner
