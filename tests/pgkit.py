"""The PostgreSQL on 127.0.0.1:5432 that tests use: find it, and make a fresh database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import psycopg

PG_ADMIN_DSNS = (
    "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3",
    "host=127.0.0.1 port=5432 user=root dbname=test connect_timeout=3",
)


@cache
def pg_admin() -> tuple[str | None, str]:
    """(dsn, user) of a reachable PostgreSQL, or (None, why not)."""
    reasons = []
    for dsn in PG_ADMIN_DSNS:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                user = conn.execute("SELECT current_user").fetchone()
                return dsn, str(user[0] if user else "postgres")
        except psycopg.Error as exc:
            reasons.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    return None, "PostgreSQL on 127.0.0.1:5432 is unreachable: " + "; ".join(reasons)


@contextmanager
def fresh_database(*, dsn: str, user: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database (a copy of `template` if given), dropped afterwards; yields its SQLAlchemy URL."""
    name = f"{prefix}{uuid.uuid4().hex[:16]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
