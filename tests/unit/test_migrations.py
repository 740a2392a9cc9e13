"""The migration scripts form one line, and the start-up's quick head check agrees with Alembic."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from cloudca.server.db.migrate import alembic_config, head_revision


def test_quick_head_check_agrees_with_alembic() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [head_revision()]
