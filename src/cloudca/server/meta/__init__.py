"""What the service says about itself: ``/``, ``GET /v1``, ``GET /healthz``."""
