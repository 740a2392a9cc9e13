"""cloudca: a self-hosted compute service that speaks the cloud.ca compute API."""

__version__ = "0.1.0"

__all__ = ["__version__"]
