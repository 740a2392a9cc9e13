"""Compute drivers: one small typed interface (``base``), the simulator, and a registry."""
