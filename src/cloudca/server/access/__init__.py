"""Organizations, service connections, environments, users and API keys."""
