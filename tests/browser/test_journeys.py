"""The four main journeys, end to end in a real browser."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORDS = {"author": "demo-author-pass", "rd.head": "demo-depthead-pass", "support": "demo-support-pass",
             "admin": "demo-admin-pass",
             "qc": "demo-qc-pass"}


def login(page, base: str, who: str):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", f"{who}@doctrack.local")
    page.fill("input[name=password]", PASSWORDS[who])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def logout(page):
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url(re.compile(r".*/login"))


def open_document(page, base: str, title: str):
    page.goto(f"{base}/documents/?q={title}")
    page.get_by_role("link", name=title).first.click()


def upload_changed_manual(page, base: str, tmp_path):
    open_document(page, base, "X300 User Manual")
    page.get_by_role("link", name="Upload a new version").click()
    changed = tmp_path / "x300-manual.md"
    changed.write_text("# X300 User Manual\n\n## 2. Installation\n\nMount the X300 on a 35 mm DIN rail. "
                       "Keep 80 mm of free space above and below for airflow.\n\n"
                       "Tighten the motor terminals to 1.2 N·m.\n", encoding="utf-8")
    page.fill("textarea[name=change_note]", "Airflow clearance 80 mm; terminal torque 1.2 N·m")
    page.set_input_files("input[type=file]", str(changed))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("uploaded as a draft").wait_for()


def test_rd_engineer_uploads_a_changed_manual_and_submits_it(live_server, new_page, shots, tmp_path):
    page = new_page()
    login(page, live_server, "author")
    upload_changed_manual(page, live_server, tmp_path)
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Version 3: In review").wait_for()
    row = page.locator("table.versions tr", has_text="v3")
    assert "In review" in row.inner_text()
    assert "Airflow clearance 80 mm" in row.inner_text()
    shots(page, "document-v3-submitted")


def test_department_head_reviews_the_diff_and_approves(live_server, new_page, shots, tmp_path):
    author = new_page()
    login(author, live_server, "author")
    upload_changed_manual(author, live_server, tmp_path)
    author.get_by_role("button", name="Submit for review").click()
    author.get_by_text("Version 3: In review").wait_for()

    page = new_page()
    login(page, live_server, "rd.head")
    page.get_by_role("link", name="Inbox").click()
    row = page.locator("tr", has_text="X300 User Manual")
    assert "Airflow clearance 80 mm" in row.inner_text()
    row.get_by_role("link", name="v2 → v3").click()
    inserted = page.locator("ins.diff-ins").all_inner_texts()
    deleted = page.locator("del.diff-del").all_inner_texts()
    assert "80" in inserted and "50" in deleted
    shots(page, "diff-v2-v3")
    page.get_by_role("link", name="X300 User Manual").click()
    page.fill("#approve-password-3", PASSWORDS["rd.head"])
    page.fill("#approve-comment-3", "Checked against the airflow test report")
    page.get_by_role("button", name="Approve and sign").click()
    page.get_by_text("Version 3: Effective").wait_for()
    assert "signed with password" in page.locator(".approval-panel").inner_text()
    effective_row = page.locator("table.versions tr.is-effective")
    assert "v3" in effective_row.inner_text()
    obsolete_row = page.locator("table.versions tr.is-obsolete").first.inner_text()
    assert obsolete_row.startswith("v2") and "Obsolete" in obsolete_row
    shots(page, "approved-v3-effective")


def test_support_agent_finds_a_traditional_analysis_with_a_simplified_query(live_server, new_page, shots):
    page = new_page(locale="zh-CN")
    login(page, live_server, "support")
    page.goto(f"{live_server}/search")
    page.fill("input[name=q]", "导热膏")
    page.locator("form.search-form button[type=submit]").click()
    hit = page.locator("li.hit").filter(has=page.locator("a.hit-title", has_text="X200 馬達過熱問題分析報告"))
    hit.wait_for()
    assert "導熱膏" in hit.locator("mark").first.inner_text()
    assert page.locator(".facets").is_visible()
    shots(page, "search-simplified-finds-traditional")
    hit.locator("a.hit-title").click()
    page.wait_for_url(re.compile(r".*/documents/\d+/versions/\d+"))
    assert "導熱膏" in page.locator("pre.doc-text").inner_text()
    shots(page, "analysis-opened")


def test_problem_report_from_recorded_to_closed_with_a_linked_document(live_server, new_page, shots):
    page = new_page()
    login(page, live_server, "support")
    page.goto(f"{live_server}/issues/new")
    page.fill("input[name=title]", "X300 display flickers after firmware 3.2")
    page.fill("textarea[name=phenomenon]", "The display flickers every few seconds.")
    page.fill("input[name=found_at]", "2026-11-20 10:00")
    page.select_option("select[name=source]", "customer")
    page.fill("input[name=customer_ref]", "C-231120")
    page.fill("input[name=product]", "X300")
    page.get_by_role("button", name="Record").click()
    page.get_by_text("recorded").wait_for()
    report_url = page.url
    page.select_option("#triage-category", "technical")
    page.select_option("#triage-severity", "2")
    page.select_option("#triage-department", "RD")
    page.get_by_role("button", name="Classify and assign").click()
    page.get_by_text("is now Triaged").wait_for()
    page.fill("input[name=document_id]", "5")
    page.fill("input[name=version]", "2")
    page.get_by_role("button", name="Link document version").click()
    page.get_by_role("link", name="X300 User Manual v2").wait_for()
    logout(page)

    login(page, live_server, "author")
    page.goto(report_url)
    page.get_by_role("button", name="Start work").click()
    page.get_by_text("is now In progress").wait_for()
    page.fill("textarea[name=body]", "Reproduced: **backlight PWM** at 200 Hz.")
    page.get_by_role("button", name="Add to the log").click()
    page.locator(".comment-body strong", has_text="backlight PWM").wait_for()
    page.fill("#resolve-analysis", "PWM frequency too low in firmware 3.2.")
    page.fill("#resolve-resolution", "Firmware 3.2.1 raises the PWM frequency to 1 kHz.")
    page.get_by_role("button", name="Mark resolved").click()
    page.get_by_text("is now Resolved").wait_for()
    logout(page)

    login(page, live_server, "qc")
    page.goto(report_url)
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("is now Verified").wait_for()
    logout(page)

    # A customer's report closes once the reply to the customer is recorded.
    login(page, live_server, "support")
    page.goto(report_url)
    page.fill("#reply-text", "Firmware 3.2.1 fixes the flicker; update sent.")
    page.get_by_role("button", name="Record the reply").click()
    page.get_by_text("Reply to the customer recorded").wait_for()
    logout(page)

    login(page, live_server, "qc")
    page.goto(report_url)
    page.get_by_role("button", name="Close").click()
    page.get_by_text("is now Closed").wait_for()
    assert "Closed" in page.locator("h1").inner_text()
    assert "X300 User Manual v2" in page.locator("section", has_text="Linked document versions").inner_text()
    shots(page, "report-closed")
    page.goto(f"{live_server}/documents/5")
    assert "X300 display flickers" in page.content()


def test_phone_width_layout(live_server, new_page, shots):
    page = new_page(locale="zh-TW", width=390)
    login(page, live_server, "support")
    page.goto(f"{live_server}/documents/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is {width}px wide on a 390px screen"
    shots(page, "documents-phone")


UNLABELLED = """
() => [...document.querySelectorAll('main input, main select, main textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))
"""


def test_every_form_control_has_a_label_and_is_keyboard_reachable(live_server, new_page):
    page = new_page()
    login(page, live_server, "admin")
    for path in ("/documents/", "/documents/new", "/documents/1", "/documents/1/diff", "/issues/", "/issues/new",
                 "/issues/1", "/issues/metrics", "/search?q=X200", "/approvals/reviews", "/profile",
                 "/admin/users", "/admin/departments", "/admin/backups/"):
        page.goto(live_server + path)
        assert page.evaluate(UNLABELLED) == [], path
    # The login form works from the keyboard alone.
    logout(page)
    page.keyboard.press("Tab")  # skip link
    page.locator("input[name=email]").focus()
    page.keyboard.type("support@doctrack.local")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS["support"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")
