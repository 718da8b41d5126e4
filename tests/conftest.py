"""Fixtures: an app per test on a fresh database, a client, factories.

SQLite (default): a new database file per test. PostgreSQL (when
``DOCTRACK_TEST_DATABASE_URL`` is set, e.g. postgresql://postgres@127.0.0.1/test):
one database per xdist worker, created once, tables truncated after each test.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests import factories
from tests.databases import PG_URL, create_database, drop_database


@pytest.fixture(scope="session")
def pg_database(worker_id):
    """A throwaway PostgreSQL database for this worker, or None on SQLite."""
    if not PG_URL:
        yield None
        return
    name = f"doctrack_test_{worker_id}"
    url = create_database(name)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x",
                      "INSTANCE_DIR": "/tmp/doctrack-pg-setup"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    drop_database(name)


@pytest.fixture
def db_url(tmp_path, pg_database):
    return pg_database or f"sqlite:///{tmp_path / 'doctrack.db'}"


@pytest.fixture
def app_config(tmp_path, db_url) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "STORAGE_DIR": str(tmp_path / "storage"),
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests only
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
    }


@pytest.fixture
def app(app_config, pg_database):
    app = create_app(app_config)
    with app.app_context():
        if pg_database is None:
            db.create_all()
        yield app
        db.session.remove()
        if pg_database is not None:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_department(app):
    return factories.make_department


@pytest.fixture
def make_user(app):
    return factories.make_user


@pytest.fixture
def make_document(app):
    return factories.make_document


class ApiClient:
    """The test client with a user's Bearer token on every request."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        def call(path, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)("/api/v1" + path, headers=headers, **kwargs)

        return call

    def upload(self, path, content: bytes, filename: str, **form):
        data = {key: str(value) for key, value in form.items()}
        data["file"] = (io.BytesIO(content), filename)
        return self.post(path, data=data, content_type="multipart/form-data")


@pytest.fixture
def api_as(app, client):
    """``api_as(user)`` -> an ApiClient authenticated as that user."""

    def make(user):
        from app.auth.service import create_token

        token = create_token(user, "test")
        db.session.commit()
        return ApiClient(client, token)

    return make


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the login form."""

    def do_login(user, password: str = factories.DEFAULT_PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login
