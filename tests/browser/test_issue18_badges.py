"""Status badges stay on one line at 1366 px (issue 18: "In review" broke
into "In re-/view" in narrow table columns)."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import login

pytestmark = pytest.mark.browser

# A badge on two lines now, or one that may break when a column is narrower
# (a longer title, another language): both are the bug.
WRAPPED = """
() => [...document.querySelectorAll('.badge')]
  .filter(el => el.offsetParent !== null)
  .filter(el => getComputedStyle(el).whiteSpace !== 'nowrap'
             || el.getBoundingClientRect().height > 1.9 * parseFloat(getComputedStyle(el).fontSize) * 1.2)
  .map(el => el.textContent.trim())
"""


@pytest.mark.parametrize("locale", ["en-US", "zh-TW"])
def test_status_badges_do_not_wrap_at_1366(live_server, new_page, shots, locale):
    page = new_page(locale=locale, width=1366)
    login(page, live_server, "admin")
    checked = 0
    for path in ("/documents/", "/issues/", "/plans/", "/search?q=X200"):
        page.goto(f"{live_server}{path}")
        checked += page.locator(".badge").count()
        wrapped = page.evaluate(WRAPPED)
        assert wrapped == [], f"{path}: badges on two lines: {wrapped}"
    assert checked > 10, "too few badges on the pages to check"
    shots(page, f"badges-{locale}")
