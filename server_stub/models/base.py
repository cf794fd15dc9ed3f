"""The declarative base of the server's tables and the id column type."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import DeclarativeBase

ID = String(36)  # UUIDs as text: the same on SQLite and PostgreSQL, and on the wire


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012
