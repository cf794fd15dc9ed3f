from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import ClientSettings, get_settings


def test_defaults():
    s = ClientSettings()
    assert s.server_url == "http://127.0.0.1:8000"
    assert s.sync_interval == 30.0
    assert s.backoff_cap >= s.backoff_base > 0
    assert s.db_path == s.data_dir / "ordo.db"
    assert "ordo" in str(s.data_dir).lower()


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("ORDO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORDO_SERVER_URL", "https://ordo.example.com")
    monkeypatch.setenv("ORDO_SYNC_INTERVAL", "5")
    s = ClientSettings()
    assert (s.data_dir, s.server_url, s.sync_interval) == (Path(tmp_path), "https://ordo.example.com", 5.0)


def test_nonsense_is_refused(monkeypatch):
    monkeypatch.setenv("ORDO_SYNC_INTERVAL", "-1")
    with pytest.raises(ValidationError):
        ClientSettings()


def test_get_settings_is_built_once():
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()
