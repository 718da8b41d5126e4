"""Scratch PostgreSQL databases for the benchmarks, beside a server URL."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text


def _admin(server_url: str):
    return create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1),
                         isolation_level="AUTOCOMMIT")


def scratch_database(server_url: str, name: str) -> str:
    """(Re)create database ``name`` on the server and return its SQLAlchemy URL."""
    admin = _admin(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return urlunsplit(urlsplit(str(admin.url.render_as_string(hide_password=False)))._replace(path="/" + name))


def drop_database(server_url: str, name: str) -> None:
    admin = _admin(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
