"""The simulator: a real compute driver that keeps its machines in memory.

It ships in the product (``--driver simulator``, the default) and passes the same contract suite
as every other driver. Its LIMITATIONS are listed in ``cloudca.server.drivers.simulator.driver``.
"""

from ._faults import OPERATIONS, FaultPlan
from ._latency import LatencyProfile
from ._state import MachineView
from .driver import SimulatorDriver

__all__ = ["OPERATIONS", "FaultPlan", "LatencyProfile", "MachineView", "SimulatorDriver"]
