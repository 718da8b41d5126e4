"""Configuration comes from DOCTRACK_* environment variables."""

from __future__ import annotations

import pytest

from app.config import load_config


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCTRACK_INSTANCE_DIR", str(tmp_path / "inst"))
    monkeypatch.setenv("DOCTRACK_STORAGE_DIR", str(tmp_path / "blobs"))
    monkeypatch.setenv("DOCTRACK_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("DOCTRACK_SECRET_KEY", "from-env")
    monkeypatch.setenv("DOCTRACK_DATABASE_URL", "postgresql+psycopg://u@db/doctrack")
    config = load_config()
    assert config["INSTANCE_DIR"] == str(tmp_path / "inst")
    assert config["STORAGE_DIR"] == str(tmp_path / "blobs")
    assert config["MAX_UPLOAD_BYTES"] == 7 * 1024 * 1024
    assert config["SECRET_KEY"] == "from-env"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/doctrack"


def test_embedded_default_generates_and_keeps_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCTRACK_SECRET_KEY", raising=False)
    monkeypatch.setenv("DOCTRACK_INSTANCE_DIR", str(tmp_path))
    first = load_config()["SECRET_KEY"]
    assert len(first) == 64 and load_config()["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load_config()["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'doctrack.db'}"


def test_production_requires_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCTRACK_SECRET_KEY", raising=False)
    monkeypatch.setenv("DOCTRACK_ENV", "production")
    monkeypatch.setenv("DOCTRACK_INSTANCE_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="DOCTRACK_SECRET_KEY"):
        load_config()


def test_bad_number_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DOCTRACK_MAX_UPLOAD_MB", "lots")
    with pytest.raises(RuntimeError, match="DOCTRACK_MAX_UPLOAD_MB"):
        load_config()


@pytest.mark.parametrize("given", ["postgresql://u@db/doctrack", "postgres://u@db/doctrack",
                                   "postgresql+psycopg://u@db/doctrack"])
def test_a_libpq_style_url_uses_the_psycopg_driver(monkeypatch, tmp_path, given):
    """The URL as psql and pg_dump take it works as DOCTRACK_DATABASE_URL."""
    monkeypatch.setenv("DOCTRACK_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DOCTRACK_DATABASE_URL", given)
    assert load_config()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/doctrack"
