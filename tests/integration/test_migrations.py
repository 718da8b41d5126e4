"""Alembic migrations: the head matches the models, and every migration runs
up and down with data in the tables (on SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from tests.databases import PG_URL, create_database, drop_database


@pytest.fixture
def scratch_url(tmp_path, worker_id):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"doctrack_migrations_{worker_id}"
    yield create_database(name)
    drop_database(name)


@pytest.fixture
def migration_app(tmp_path, scratch_url):
    app = create_app({"TESTING": True, "DATABASE_URL": scratch_url, "SECRET_KEY": "x",
                      "INSTANCE_DIR": str(tmp_path / "instance"),
                      "STORAGE_DIR": str(tmp_path / "storage")})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_head_matches_the_models(migration_app):
    upgrade()
    runner = migration_app.test_cli_runner()
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables


def test_up_down_up_with_data(migration_app):
    from tests import factories

    upgrade()
    author = factories.make_user("author", "RD")
    factories.make_document(author, content="migration data\n")
    db.session.remove()
    downgrade(revision="base")
    assert "document" not in inspect(db.engine).get_table_names()
    upgrade()
    assert "document" in inspect(db.engine).get_table_names()


def test_migrated_audit_table_is_append_only(migration_app):
    from tests import factories

    upgrade()
    factories.make_user("author", "RD")  # writes audit events
    with pytest.raises(Exception, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET comment = 'x'"))
