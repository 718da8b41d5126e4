"""Document control in the browser: the number and revision on the page, a
version approved ahead of its planned effective date ("approved, pending
effective", the old one still in force) made effective by the scheduler's
job, the QC reader's signed "read and understood" seen by the department
head, and a downloaded PDF carrying the controlled-copy stamp (rendered
with pdftoppm, its text read back)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.test_journeys import PASSWORDS, login, open_document

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[1] / "data"


def on_live_database(tmp_path: Path, work):
    """Run ``work()`` in an app on the live server's database (as `flask scheduler` would)."""
    from app import create_app
    from app.extensions import db

    app = create_app({"INSTANCE_DIR": str(tmp_path / "instance"), "STORAGE_DIR": str(tmp_path / "storage"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'doctrack.db'}",
                      "SECRET_KEY": "browser-tests"})
    with app.app_context():
        result = work()
        db.session.commit()
        db.engine.dispose()
    return result


def make_due_effective(tmp_path: Path, day) -> list[str]:
    from app.approval.service import make_due_versions_effective

    return on_live_database(tmp_path, lambda: [v.label for v in make_due_versions_effective(day)])


def test_numbered_document_takes_effect_on_its_date_and_downloads_stamped(live_server, new_page, shots, tmp_path):
    from app.documents.change_request import company_today

    if not shutil.which("pdftoppm"):
        pytest.skip("needs poppler-utils (pdftoppm, pdftotext)")
    author = new_page()
    login(author, live_server, "author")
    open_document(author, live_server, "X300 User Manual")
    number = author.locator("dd.doc-number").inner_text().strip()
    assert re.fullmatch(r"RD-MAN-\d{4}", number)
    assert author.locator("h1 .doc-number").inner_text().startswith(f"{number} Rev B")
    author.get_by_role("link", name="Upload a new version").click()
    tomorrow = on_live_database(tmp_path, company_today) + timedelta(days=1)
    author.fill("textarea[name=change_note]", "Airflow clearance 80 mm")
    author.fill("input[name=effective_on]", tomorrow.isoformat())
    author.fill("textarea[name=change_reason]", "Field overheating reports")
    revised = tmp_path / "x300-manual.pdf"
    revised.write_bytes((DATA / "pdflatex-4-pages.pdf").read_bytes())
    author.set_input_files("input[type=file]", str(revised))
    author.get_by_role("button", name="Upload").click()
    author.get_by_text("uploaded as a draft").wait_for()
    author.get_by_role("button", name="Submit for review").click()
    author.get_by_text("Version 3: In review").wait_for()

    head = new_page()
    login(head, live_server, "rd.head")
    open_document(head, live_server, "X300 User Manual")
    # The quality inspectors must read each new effective version, signed (training).
    head.locator(".training-panel summary").click()
    head.fill("#readers-departments", "QC")
    head.locator(".training-panel input[name=roles][value=qc]").check()
    head.locator(".training-panel input[name=training_required]").check()
    head.fill("#readers-due", "7")
    head.get_by_role("button", name="Save readers").click()
    head.get_by_text("Readers saved").wait_for()
    head.fill("#approve-password-3", PASSWORDS["rd.head"])
    head.get_by_role("button", name="Approve and sign").click()
    head.get_by_text("Version 3: Approved, pending effective").wait_for()
    pending = head.locator("dd.pending-effective").inner_text()
    assert f"{number} Rev C" in pending and "stays in force" in pending
    assert head.locator("table.versions tr.is-effective").inner_text().startswith("v2")
    shots(head, "1-approved-pending-effective")

    assert make_due_effective(tmp_path, tomorrow) == [f"{number} Rev C"]
    head.reload()
    assert head.locator("h1 .doc-number").inner_text().startswith(f"{number} Rev C")
    assert head.locator("table.versions tr.is-effective").inner_text().startswith("v3")
    assert head.locator("table.versions tr.is-obsolete").first.inner_text().startswith("v2")
    shots(head, "2-effective-on-its-date")

    reader = new_page()
    login(reader, live_server, "qc")
    assert f"{number} Rev C" in reader.locator(".training-dashboard").inner_text()
    reader.locator(".training-dashboard a", has_text=number).click()
    reader.fill("#ack-password", PASSWORDS["qc"])
    shots(reader, "3-reader-asked-to-confirm")
    reader.get_by_role("button", name="Read and understood").click()
    reader.get_by_text("Confirmed: read and understood.").wait_for()
    head.reload()
    confirmed = head.locator("table.acknowledgements tr.ack-yes").all_inner_texts()
    assert len(confirmed) == 1 and "QC" in confirmed[0]
    shots(head, "4-who-has-acknowledged")

    with head.expect_download() as download_info:
        head.locator("table.versions tr.is-effective a", has_text="x300-manual.pdf").click()
    stamped = tmp_path / "downloaded.pdf"
    download_info.value.save_as(stamped)
    text = subprocess.run(["pdftotext", "-layout", str(stamped), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert text.count(f"{number} Rev C · EFFECTIVE · UNCONTROLLED WHEN PRINTED") == 4  # every page
    assert "Downloaded by" in text
    folder = Path(shots(head, "5-before-download")).parent
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(stamped),
                    str(folder / "6-stamped-pdf-page")], check=True)
    rendered = next(folder.glob("6-stamped-pdf-page*.png"))
    head.goto(rendered.as_uri())
    shots(head, "7-stamped-pdf-rendered")
