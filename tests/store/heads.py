"""The newest revision of the device's schema, read from its migrations, so a test of
"opens at head" does not name a number every new migration must edit."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from app.store.db import alembic_config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
