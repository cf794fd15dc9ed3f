from __future__ import annotations

from pathlib import Path

import pytest

from server_stub.settings import Settings, get_settings


def test_defaults_put_sqlite_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDO_SERVER_DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'ordo.db'}"
    assert settings.token_ttl_seconds == 3600
    assert settings.refresh_ttl_seconds == 30 * 24 * 3600
    assert settings.max_body_bytes == 8 * 1024 * 1024
    assert (settings.pull_default_limit, settings.pull_max_limit) == (500, 5000)


def test_environment_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDO_SERVER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORDO_SERVER_TOKEN_TTL_SECONDS", "600")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.token_ttl_seconds == 600
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_get_settings_is_cached() -> None:
    assert get_settings() is get_settings()
