"""A manual revised in Word with Track Changes on: the reviewer sees the
revisions recorded in the file, with author and date, and a warning that
they are still unresolved."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import login, open_document
from tests.files import tracked_changes_docx

pytestmark = pytest.mark.browser


def test_reviewer_sees_the_changes_tracked_in_the_word_file(live_server, new_page, shots, tmp_path):
    author = new_page()
    login(author, live_server, "author")
    open_document(author, live_server, "X300 User Manual")
    author.get_by_role("link", name="Upload a new version").click()
    revised = tmp_path / "x300-manual.docx"
    revised.write_bytes(tracked_changes_docx())
    author.fill("textarea[name=change_note]", "Torque 15 N·m, seal check weekly (tracked in Word)")
    author.set_input_files("input[type=file]", str(revised))
    author.get_by_role("button", name="Upload").click()
    author.get_by_text("uploaded as a draft").wait_for()
    author.get_by_role("button", name="Submit for review").click()
    author.get_by_text("Version 3: In review").wait_for()

    page = new_page(locale="zh-TW")
    login(page, live_server, "rd.head")
    open_document(page, live_server, "X300 User Manual")
    assert "5 項追蹤修訂、1 則未解決註解" in page.locator("table.versions tr", has_text="v3").inner_text()
    page.get_by_role("link", name="v3", exact=True).click()
    page.get_by_role("heading", name="此檔案中追蹤的修訂").wait_for()
    assert "5 項追蹤修訂和 1 則未解決的註解" in page.locator(".review-markup").inner_text()
    rows = page.locator("table.tracked-changes tbody tr").all_inner_texts()
    assert len(rows) == 5
    # 09:15 UTC shown in company time on the 24-hour clock (issue 18: one format per locale)
    assert "取代" in rows[0] and "Lin Wei" in rows[0] and "2026年3月2日 17:15" in rows[0]
    assert "12" in rows[0] and "15" in rows[0]
    assert "插入" in rows[1] and "張工程師" in rows[1] and "gasketreplacement weekly" in rows[1]
    assert "Which coolant grade?" in page.locator("ul.file-comments").inner_text()
    text = page.locator("pre.doc-text").inner_text()
    assert "Torque the housing bolts to 15 N·m." in text and "Obsoletewording" not in text
    shots(page, "tracked-changes-zh-hant")
