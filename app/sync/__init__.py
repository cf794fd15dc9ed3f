"""Sync: push the outbox, pull changes, retry with backoff in a background worker."""

from app.sync.backoff import Backoff
from app.sync.engine import SyncEngine, SyncReport
from app.sync.errors import AuthExpired, NotSignedIn, Offline, ProtocolError, ServerUnavailable, SyncError

__all__ = [
    "AuthExpired",
    "Backoff",
    "NotSignedIn",
    "Offline",
    "ProtocolError",
    "ServerUnavailable",
    "SyncEngine",
    "SyncError",
    "SyncReport",
]
