"""The client's settings: one object, read once from ``ORDO_*`` environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.blobs import MAX_CHUNK

MIN_ACCESS_CODE = 8  # characters: `ordo run --web --allow-remote` makes codes of this length


# Set by Flet in a built app (apk, ipa, desktop bundles) and by `flet run`: the app's private,
# durable folder (docs/packaging.md lists where it is on each platform).
FLET_APP_DATA_ENV = "FLET_APP_STORAGE_DATA"


def _default_data_dir() -> Path:
    # A phone has no ~/.local/share to speak of; inside a built app the OS gives one folder.
    flet_data = os.environ.get(FLET_APP_DATA_ENV, "").strip()
    if flet_data:
        return Path(flet_data)
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
    # The web view asks every browser session for this code before it shows anything
    # (`ordo run --web --allow-remote` makes one at start; ORDO_ACCESS_CODE sets a lasting one).
    # A secret: never in a repr or a log.
    access_code: SecretStr | None = None
    # Photos already on the server that this device keeps for viewing (app.services.storage):
    # past this many MB (decimal), the least recently viewed go first; never one still to upload.
    photo_cache_mb: int = Field(default=500, gt=0)

    @field_validator("access_code")
    @classmethod
    def _long_enough(cls, code: SecretStr | None) -> SecretStr | None:
        if code is None or not code.get_secret_value().strip():
            return None  # ORDO_ACCESS_CODE= (empty) is no code, as unset is
        if len(code.get_secret_value().strip()) < MIN_ACCESS_CODE:
            raise ValueError(f"an access code has at least {MIN_ACCESS_CODE} characters")
        return code

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
