"""Scratch PostgreSQL databases for the benchmarks, beside a server URL."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text

from app.config import sqlalchemy_url


def _drop_and_maybe_create(server_url: str, name: str, create: bool, template: str | None = None) -> None:
    admin = create_engine(sqlalchemy_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()


def scratch_database(server_url: str, name: str, template: str | None = None) -> str:
    """(Re)create database ``name`` on the server, empty or a copy of
    ``template``, and return its SQLAlchemy URL."""
    _drop_and_maybe_create(server_url, name, create=True, template=template)
    return urlunsplit(urlsplit(sqlalchemy_url(server_url))._replace(path="/" + name))


def drop_database(server_url: str, name: str) -> None:
    _drop_and_maybe_create(server_url, name, create=False)


def autovacuum_on(database_url: str) -> bool:
    """Whether the server runs autovacuum (PostgreSQL's default; off on this
    project's development machines and CI)."""
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW autovacuum")).scalar() == "on"
    finally:
        engine.dispose()


def analyze(database_url: str) -> None:
    """Refresh the planner's statistics of every table, as autovacuum would
    (the same ``ANALYZE`` a restore ends with)."""
    from app.backup.restore import analyze_database

    analyze_database(sqlalchemy_url(database_url))
