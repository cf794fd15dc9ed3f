"""Photo pipeline on Pillow: orientation, resize, encode, thumbnail, hashing; signatures as PNG.

Pure functions (no database, no network). They are CPU work of up to about a
second: callers run them off the UI event. Bad input raises only `MediaError`,
whose message is fit to show a user.
"""

from app.media.errors import MediaError
from app.media.photo import make_thumbnail, process_photo
from app.media.signature import render_signature
from app.media.types import ProcessedImage

__all__ = ["MediaError", "ProcessedImage", "make_thumbnail", "process_photo", "render_signature"]
