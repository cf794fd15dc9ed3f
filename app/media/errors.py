"""The one exception the photo pipeline raises."""

from __future__ import annotations


class MediaError(Exception):
    """An image Ordo cannot use. `str(err)` is one sentence fit to show a user as is."""
