"""Issue 16 in a real browser: the notification bell and "mark all read",
naming a deputy, and the monthly product-tracking report generated from
the metrics page, with a picture of the PDF's first page (pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_journeys import login, logout

pytestmark = pytest.mark.browser


def test_bell_delegation_and_monthly_report(live_server, new_page, shots, tmp_path):
    base = live_server
    page = new_page()
    today = datetime.now(ZoneInfo("Asia/Taipei")).date()

    # The department head's bell counts unread notifications; "Mark all read" empties it.
    login(page, base, "rd.head")
    bell = page.locator("header a.bell")
    bell.wait_for()
    shots(page, "1-bell")
    bell.click()
    page.wait_for_url(f"{base}/notifications")
    if page.locator("form[data-form=read-all]").count():
        page.locator("form[data-form=read-all] button").click()
        page.get_by_text("marked as read").wait_for()
    assert page.locator("header a.bell").get_attribute("data-unread") == "0"

    # The head names the RD author as deputy for the coming days.
    page.goto(f"{base}/delegations")
    page.select_option("form[data-form=delegation] select[name=deputy]", label="林工程師 Lin (RD author) (RD)")
    page.fill("input[name=starts_on]", today.isoformat())
    page.fill("input[name=ends_on]", (today + timedelta(days=5)).isoformat())
    page.fill("textarea[name=reason]", "Trade fair in Hannover")
    page.locator("form[data-form=delegation] button").click()
    page.get_by_text("Deputy named.").wait_for()
    assert "林工程師 Lin" in page.locator("table[data-table=given]").inner_text()
    shots(page, "2-delegation")
    logout(page)

    # An administrator generates last month's report from the metrics page.
    login(page, base, "admin")
    page.goto(f"{base}/issues/metrics")
    page.locator("form[data-form=monthly-report] button").click()
    page.get_by_text("Report generated").wait_for(timeout=120000)
    assert "Monthly product tracking report" in page.locator("h1").inner_text()
    shots(page, "3-report-document")
    link = page.locator("a[href$='/versions/1/file']").first
    response = page.request.get(base + link.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        from tests.browser.conftest import OUTPUT

        target = OUTPUT / "test_bell_delegation_and_monthly_report" / "4-report-pdf-page1"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)],
                       check=True)
        assert target.with_suffix(".png").stat().st_size > 10000
