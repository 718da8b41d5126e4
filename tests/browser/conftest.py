"""A live server on the demo data set, and headless Chromium (Debian's
/usr/bin/chromium, driven by Playwright). Screenshots go to
test-output/<test name>/."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path

import pytest

from tests import servers

CHROMIUM = os.environ.get("DOCTRACK_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@contextlib.contextmanager
def serve_demo(folder: Path, prepare=None):
    """The demo data set on SQLite in ``folder`` (``prepare()`` runs in the
    app context after the demo is loaded), served on a free port: yields
    the base URL."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.demo.loader import load_demo

    app = create_app(
        {
            "INSTANCE_DIR": str(folder / "instance"),
            "STORAGE_DIR": str(folder / "storage"),
            "DATABASE_URL": f"sqlite:///{folder / 'instance' / 'doctrack.db'}",
            "SECRET_KEY": "browser-tests",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        upgrade()
        load_demo()
        if prepare is not None:
            prepare()
    port = servers.free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def live_server(tmp_path, pg_database):
    if pg_database is not None:
        pytest.skip("browser journeys run once, on the embedded default (SQLite)")
    with serve_demo(tmp_path) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(request):
    folder = OUTPUT / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    def take(page, name: str):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(locale: str = "en-US", width: int = 1280):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()
