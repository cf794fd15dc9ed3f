"""The device's local database: models, migrations, local application of mutations."""

from app.store.db import LocalStore

__all__ = ["LocalStore"]
