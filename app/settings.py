"""The client's settings: one object, read once from ``ORDO_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.blobs import MAX_CHUNK


def _default_data_dir() -> Path:
    return Path(user_data_dir("ordo"))


class ClientSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDO_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    server_url: str = "http://127.0.0.1:8000"
    # Seconds between background syncs when nothing pokes the worker.
    sync_interval: float = Field(default=30.0, gt=0)
    request_timeout: float = Field(default=15.0, gt=0)
    # Exponential backoff after failed syncs: base * 2**attempt, capped, full jitter.
    backoff_base: float = Field(default=1.0, gt=0)
    backoff_cap: float = Field(default=300.0, gt=0)
    # While the server cannot be reached, retries come at most this far apart, so the app
    # notices it is back within seconds; the long cap above is for repeated server errors.
    offline_retry_cap: float = Field(default=10.0, gt=0)
    # Photos lose their location and camera EXIF unless this is set (ORDO_KEEP_PHOTO_METADATA=1).
    keep_photo_metadata: bool = False
    # Plain http:// to a server other than this machine is refused unless this is set.
    allow_insecure_http: bool = False
    # Bytes per upload request (sync-protocol.md allows up to 4 MiB): smaller chunks lose
    # less to a cut on a poor link, at a few more round trips.
    upload_chunk_bytes: int = Field(default=MAX_CHUNK, ge=64 * 1024, le=MAX_CHUNK)
    # Live pokes: hold the server's event stream and pull as soon as it says something
    # changed (ORDO_LIVE=0 leaves it to the timed pull).
    live: bool = True

    @property
    def db_path(self) -> Path:
        return self.data_dir / "ordo.db"

    @property
    def blob_dir(self) -> Path:
        """Photos and signatures made here or downloaded, named by SHA-256."""
        return self.data_dir / "blobs"

    @property
    def incoming_dir(self) -> Path:
        """Where the web view's file picker uploads land before processing."""
        return self.data_dir / "incoming"


@lru_cache(maxsize=1)
def get_settings() -> ClientSettings:
    """The settings, built on first use (not at import) so tests can set the environment first."""
    return ClientSettings()
