"""A customer complaint closes the loop, end to end in a real browser:
intake, assignment, analysis, an improvement plan approved by a leader, a
revised manual made effective under the plan, QC's effectiveness check,
the reply to the customer, the follow-up score, and the metrics page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_journeys import PASSWORDS, logout, open_document, upload_changed_manual

pytestmark = pytest.mark.browser
PASSWORDS = {**PASSWORDS, "leader": "demo-leader-pass"}
COMPANY_ZONE = ZoneInfo("Asia/Taipei")  # the live server's DOCTRACK_TIMEZONE (the default)


def company_today():
    """The service's today: a day of the company's calendar."""
    return datetime.now(COMPANY_ZONE).date()


def login(page, base: str, who: str):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", f"{who}@doctrack.local")
    page.fill("input[name=password]", PASSWORDS[who])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def test_customer_complaint_through_the_improvement_loop(live_server, new_page, shots, tmp_path):
    base = live_server
    page = new_page()

    # 1. Customer service records the complaint, how it came in and who called.
    login(page, base, "support")
    page.goto(f"{base}/issues/new")
    page.fill("input[name=title]", "X300 runs hot in a closed cabinet")
    page.fill("textarea[name=phenomenon]", "Trips after one hour in a closed control cabinet.")
    page.select_option("select[name=source]", "customer")
    page.fill("input[name=customer_ref]", "C-241101")
    page.fill("input[name=product]", "X300")
    page.get_by_role("button", name="Record", exact=True).click()
    page.get_by_text("recorded").wait_for()
    report_url = page.url
    page.select_option("form[data-form=customer] select[name=channel]", "phone")
    page.fill("form[data-form=customer] input[name=contact]", "Mr. Ho, +886 2 5555 0101")
    page.locator("form[data-form=customer] button").click()
    page.get_by_text("Customer details recorded").wait_for()
    page.select_option("#triage-category", "quality")
    page.select_option("#triage-severity", "2")
    page.select_option("#triage-department", "RD")
    page.get_by_role("button", name="Classify and assign").click()
    page.get_by_text("is now Triaged").wait_for()
    shots(page, "1-complaint-recorded")
    logout(page)

    # 2. The RD head names the responsible person.
    login(page, base, "rd.head")
    page.goto(report_url)
    page.select_option("form[data-form=assign] select[name=assignee_id]", label="林工程師 Lin (RD author)")
    page.locator("form[data-form=assign] button").click()
    page.get_by_text("Responsible people recorded").wait_for()
    assert "Lin" in page.locator("[data-field=assignee]").inner_text()
    shots(page, "2-assigned")
    logout(page)

    # 3. The engineer starts, analyses, draws up a plan and revises the manual under it.
    login(page, base, "author")
    page.goto(f"{base}/issues/?mine=1")
    page.get_by_role("link", name="X300 runs hot in a closed cabinet").click()
    page.get_by_role("button", name="Start work").click()
    page.get_by_text("is now In progress").wait_for()
    page.fill("textarea[name=body]", "Cabinet air reaches 52 °C; the manual gives no clearance.")
    page.get_by_role("button", name="Add to the log").click()
    page.get_by_role("link", name="Draw up an improvement plan from this report").click()
    page.fill("#title", "X300 cabinet overheating")
    page.fill("#problem", "X300 trips in closed cabinets (customer C-241101).")
    page.fill("#root_cause", "No airflow clearance in the manual; installers mount units touching.")
    page.fill("#goal", "No overheating complaint for three months after the manual revision.")
    page.fill("#check_date", company_today().isoformat())
    page.get_by_role("button", name="Draw up", exact=True).click()
    page.locator(".flash-success", has_text="drawn up").wait_for()
    plan_url = page.url
    page.select_option("#m-type", "corrective")
    page.select_option("#m-owner", label="林工程師 Lin (RD author) (RD)")
    page.fill("#m-description", "Revise the manual: 80 mm clearance above and below")
    page.fill("#m-due", (company_today() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Add action").click()
    page.get_by_text("Action added").wait_for()
    upload_changed_manual(page, base, tmp_path)
    document_id = re.search(r"/documents/(\d+)", page.url).group(1)
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Version 3: In review").wait_for()
    page.goto(plan_url)
    page.fill("input[name=document_id]", document_id)
    page.fill("input[name=version]", "3")
    page.select_option("select[name=relation]", "changed")
    page.get_by_role("button", name="Link document version").click()
    page.get_by_text("Document version linked").wait_for()
    page.get_by_role("button", name="Submit for approval").click()
    page.locator("[data-state=pending_approval]").wait_for()
    shots(page, "3-plan-submitted")
    logout(page)

    # 4. Management approves the plan with a signature.
    login(page, base, "leader")
    page.goto(plan_url)
    page.fill("#approve-comment", "Approved; check after the revision.")
    page.fill("#approve-password", PASSWORDS["leader"])
    page.get_by_role("button", name="Approve (sign)").click()
    page.locator("[data-state=in_progress]").wait_for()
    assert "Approve (sign) by" in page.locator("section", has_text="Signatures").inner_text()
    shots(page, "4-plan-approved")
    logout(page)

    # 5. The RD head makes the revised manual effective.
    login(page, base, "rd.head")
    open_document(page, base, "X300 User Manual")
    page.fill("#approve-password-3", PASSWORDS["rd.head"])
    page.get_by_role("button", name="Approve and sign").click()
    page.get_by_text("Version 3: Effective").wait_for()
    assert "X300 cabinet overheating" in page.locator("body").inner_text()  # why it changed
    shots(page, "5-manual-effective-under-the-plan")
    logout(page)

    # 6. The owner records the action done and resolves the report.
    login(page, base, "author")
    page.goto(plan_url)
    row = page.locator("tr[data-measure]").first
    row.locator("select[name=status]").select_option("done")
    row.locator("input[name=progress]").fill("Manual v3 effective")
    row.get_by_role("button", name="Record").click()
    page.get_by_text("Progress recorded").wait_for()
    page.goto(report_url)
    page.fill("#resolve-analysis", "No clearance given in the manual.")
    page.fill("#resolve-resolution", "Manual v3: 80 mm clearance; customer shown how to remount.")
    page.get_by_role("button", name="Mark resolved").click()
    page.get_by_text("is now Resolved").wait_for()
    logout(page)

    # 7. QC checks the plan's effectiveness and verifies the report.
    login(page, base, "qc")
    page.goto(plan_url)
    page.locator("form[data-action=check] input[value=yes]").check()
    page.fill("#check-comment", "No new complaint; cabinet test at 52 °C passed.")
    page.get_by_role("button", name="Effectiveness check").click()
    page.locator("[data-state=closed]").wait_for()
    shots(page, "6-plan-effective")
    page.goto(report_url)
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("is now Verified").wait_for()
    page.get_by_role("button", name="Close").click()
    page.get_by_text("closed only after the reply").wait_for()  # the customer first
    logout(page)

    # 8. Customer service replies, the customer accepts; later the follow-up call.
    login(page, base, "support")
    page.goto(report_url)
    page.fill("#reply-text", "Remount with 80 mm clearance as in manual v3; we sent the page.")
    page.fill("#reply-remedy", "On-site visit at no charge")
    page.select_option("#reply-accepted", "yes")
    page.get_by_role("button", name="Record the reply").click()
    page.get_by_text("Reply to the customer recorded").wait_for()
    page.select_option("#fu-score", "5")
    page.fill("#fu-comment", "Works since the remount.")
    page.get_by_role("button", name="Record the follow-up call").click()
    page.get_by_text("Follow-up call recorded").wait_for()
    assert "satisfaction 5 / 5" in page.locator("[data-list=follow-ups]").inner_text()
    shots(page, "7-reply-and-follow-up")
    logout(page)

    login(page, base, "qc")
    page.goto(report_url)
    page.get_by_role("button", name="Close").click()
    page.get_by_text("is now Closed").wait_for()
    logout(page)

    # 9. The metrics page shows the loop's result.
    login(page, base, "leader")
    page.goto(f"{base}/issues/metrics")
    effectiveness = page.locator("[data-metric=plan-effectiveness]").inner_text()
    # the demo's two plans were checked today too: one effective, one sent back; with this one 2 of 3
    assert effectiveness == "66.7%"
    # the demo's follow-up call scored 4, this customer 5
    assert page.locator("[data-metric=satisfaction]").inner_text() == "4.5 / 5"
    shots(page, "8-metrics")
