"""Alembic environment for the local store: always run in code, on a connection handed over by LocalStore."""

from __future__ import annotations

from alembic import context

from app.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only LocalStore runs these migrations
    raise RuntimeError("the local store's migrations run through app.store.LocalStore.open()")

# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
