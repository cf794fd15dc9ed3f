"""Why a sync did not finish. Offline and ServerUnavailable are retried; the others need a person."""

from __future__ import annotations


class SyncError(Exception):
    """Base of every sync failure; `str(err)` is fit to show."""

    retry: bool = False


class Offline(SyncError):
    """The server could not be reached (no network, refused, DNS, timeout)."""

    retry = True


class ServerUnavailable(SyncError):
    """The server answered 5xx or 429: try again later."""

    retry = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthExpired(SyncError):
    """401: the token is no longer good. Everything local is kept; the user signs in again."""


class TokenExpired(AuthExpired):
    """401 `token_expired`: the access token ran out; one refresh, then the request again."""


class DeviceRevoked(AuthExpired):
    """401 `device_revoked`: an administrator signed this device out. Local data is kept."""


class DeviceWiped(DeviceRevoked):
    """401 `device_wiped`: signed out, and told to erase its local data once its unsent
    work is saved (app.services.wipe)."""


class ProtocolError(SyncError):
    """The answer was not the protocol (not JSON, wrong shape, unexpected status)."""

    # Retried on the backoff schedule: a proxy's error page or a server being upgraded passes.
    retry = True


class NotSignedIn(SyncError):
    """Nobody is signed in on this device: nothing to sync with."""
