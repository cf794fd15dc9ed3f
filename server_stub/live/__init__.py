"""Live pokes (sync-protocol.md, "Live pokes"): Server-Sent Events telling a device that
something newer is in its scope, so it pulls now instead of at its next timed pull."""

from server_stub.live.service import Live

__all__ = ["Live"]
