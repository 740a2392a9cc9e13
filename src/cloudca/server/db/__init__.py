"""Database plumbing: the declarative base, the engine and sessions, and the Alembic migrations."""
