"""Scratch PostgreSQL databases for tests (on the server named by
DOCTRACK_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text

from app.config import sqlalchemy_url

PG_URL = os.environ.get("DOCTRACK_TEST_DATABASE_URL")
# Prefixed to every scratch database name, so that two checkouts can run the
# suite against one server at the same time.
DB_TAG = os.environ.get("DOCTRACK_TEST_DB_TAG", "")


def _admin():
    return create_engine(sqlalchemy_url(PG_URL), isolation_level="AUTOCOMMIT")


def create_database(name: str) -> str:
    """(Re)create database ``name`` and return its SQLAlchemy URL."""
    name = DB_TAG + name
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return urlunsplit(urlsplit(sqlalchemy_url(PG_URL))._replace(path="/" + name))


def drop_database(name: str) -> None:
    name = DB_TAG + name
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
