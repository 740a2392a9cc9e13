"""The low layer every domain may import: request-body field types, list parameters, and the shared
claims on an instance. It imports only ``db``, ``errors`` and domain models/states, never a router,
a service or the HTTP edge (see ARCHITECTURE.md)."""
