"""Thumbnails in the document list and the search results, and the inline
viewer with the search hit highlighted on the rendered PDF page (issue 19).
The previews are made by the worker, run here as its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.test_journeys import login

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def _run_worker(tmp_path) -> None:
    env = {
        **os.environ,
        "DOCTRACK_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'doctrack.db'}",
        "DOCTRACK_INSTANCE_DIR": str(tmp_path / "instance"),
        "DOCTRACK_STORAGE_DIR": str(tmp_path / "storage"),
        "DOCTRACK_SECRET_KEY": "browser-tests",
        "DOCTRACK_OCR": "off",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ocr", "worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "preview " in done.stdout


def test_thumbnails_and_the_viewer_with_a_highlighted_hit(live_server, new_page, shots, tmp_path):
    _run_worker(tmp_path)
    page = new_page()
    login(page, live_server, "author")
    page.goto(f"{live_server}/documents/")
    thumbs = page.locator("table img.thumb")
    thumbs.first.wait_for()
    assert thumbs.count() >= 3
    # Every thumbnail finished loading (on a busy machine the later ones
    # were still on their way when the first appeared), and none is broken.
    page.wait_for_function(
        "() => [...document.querySelectorAll('table img.thumb')].every((img) => img.complete)", timeout=15000
    )
    assert all(page.evaluate("(img) => img.naturalWidth > 0", t.element_handle()) for t in thumbs.all())
    shots(page, "document-list-thumbnails")

    page.goto(f"{live_server}/search?q=過熱保護")
    hit = page.locator("li.hit", has_text="X200 控制器產品規格書")
    hit.locator("img.thumb").wait_for()
    shots(page, "search-results-thumbnails")
    hit.locator("a.hit-title").click()
    page.locator(".viewer figure.page-image img").first.wait_for()
    first = page.locator(".viewer figure.page-image img").first
    assert "hl=" in first.get_attribute("src")
    page.wait_for_function("() => document.querySelector('.viewer figure.page-image img').naturalWidth > 0")
    assert page.locator("pre.doc-text mark").count() >= 1
    shots(page, "viewer-highlighted-hit")
