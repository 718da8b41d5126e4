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


def test_0006_numbers_existing_documents_and_chains_existing_events(migration_app):
    from app.audit import verify_chain
    from app.documents.models import Document
    from tests import factories

    upgrade()
    author = factories.make_user("author", "RD")
    factories.make_document(author, content="one\n")
    factories.make_document(author, doc_type="spec", content="two\n")
    author_id = author.id
    db.session.remove()
    downgrade(revision="0004")  # the documents and events of before the migration
    upgrade()
    assert [d.number for d in db.session.query(Document).order_by(Document.id)] == ["RD-MAN-0001", "RD-SPC-0001"]
    checked, broken, _ = verify_chain()
    assert broken is None and checked > 4
    # New documents and events continue the sequences and the chain.
    from app.auth.models import User

    author = db.session.get(User, author_id)
    assert factories.make_document(author, content="three\n").number == "RD-MAN-0002"
    assert verify_chain()[1] is None
    with pytest.raises(Exception, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET comment = 'x'"))
