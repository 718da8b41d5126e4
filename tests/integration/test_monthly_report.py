"""The monthly product-tracking report: figures against a hand-computed
fixture (October 2026 in Taipei, UTC+8), the PDF in Chinese with charts,
stored as versions of its quality document, the CLI and the scheduler job."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.issues.models import Issue, IssueFollowUp
from app.reminders import report


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def october(make_user, make_document):
    """Seven reports around October 2026 (company time Asia/Taipei)."""
    rd = make_user("author", "RD")
    qc = make_user("qc", "QC")
    admin = make_user("admin", "IT")
    RD, QC = rd.department_id, qc.department_id

    def issue(n, product, category, severity, dept, created, due, closed=None):
        row = Issue(title=f"report {n}", product=product, category=category, severity=severity,
                    department_id=dept, reported_by_id=rd.id, created_at=created, due_at=due,
                    closed_at=closed, state="closed" if closed else "in_progress")
        db.session.add(row)
        return row

    i1 = issue(1, "X200", "quality", 1, RD, utc(2026, 10, 2), utc(2026, 10, 5), utc(2026, 10, 4))  # 48 h, on time
    i2 = issue(2, "X200", "technical", 2, RD, utc(2026, 10, 3), utc(2026, 10, 13), utc(2026, 10, 20))  # 408 h, late
    i3 = issue(3, "X300", "quality", 3, QC, utc(2026, 10, 10), utc(2026, 11, 9), utc(2026, 10, 25))  # 360 h, on time
    issue(4, "X300", "service", 1, QC, utc(2026, 10, 20), utc(2026, 10, 23))  # open, overdue at the end
    issue(5, "X200", "functional", 2, RD, utc(2026, 9, 30, 17), utc(2026, 11, 10))  # 1 Oct 01:00 Taipei: October
    issue(6, "X200", "quality", 3, RD, utc(2026, 9, 30, 15), utc(2026, 10, 20), utc(2026, 10, 5, 15))  # Sept; closed in Oct, 120 h
    issue(7, "X200", "quality", 1, RD, utc(2026, 10, 31, 17), utc(2026, 11, 3))  # 1 Nov 01:00 Taipei: November
    db.session.flush()
    db.session.add_all([
        IssueFollowUp(issue_id=i1.id, author_id=qc.id, score=5, created_at=utc(2026, 10, 5)),
        IssueFollowUp(issue_id=i3.id, author_id=qc.id, score=3, created_at=utc(2026, 10, 26)),
        IssueFollowUp(issue_id=i2.id, author_id=qc.id, score=1, created_at=utc(2026, 11, 2)),  # November
    ])

    def plan(kind, **fields):
        row = Plan(kind=kind, title=f"{kind} plan", department_id=RD, created_by_id=rd.id, state="closed", **fields)
        db.session.add(row)
        return row

    plan("upgrade", approved_at=utc(2026, 9, 1), release_date=date(2026, 10, 15), released_at=utc(2026, 10, 14))
    plan("upgrade", approved_at=utc(2026, 9, 1), release_date=date(2026, 10, 28))  # not released: not completed
    plan("improvement", first_checked_at=utc(2026, 10, 12), first_check_effective=True)
    checked = plan("improvement", first_checked_at=utc(2026, 10, 20), first_check_effective=False)
    db.session.flush()
    db.session.add(PlanMeasure(plan_id=checked.id, type="corrective", description="fix", owner_id=rd.id,
                               due_date=date(2026, 10, 10), status="done", done_at=utc(2026, 10, 9)))
    document = make_document(rd, title="X200 service manual")
    version = document.versions[0]
    version.created_at, version.state, version.effective_at = utc(2026, 10, 14), "effective", utc(2026, 10, 15)
    db.session.commit()
    return {"admin": admin, "document": document}


HAND_COMPUTED = {
    "period": "2026-10",
    "reports_created": 5,  # 1-5 (5 is 1 Oct in Taipei; 6 is 30 Sept, 7 is 1 Nov)
    "by_product": {"X200": 3, "X300": 2},
    "by_category": {"functional": 1, "quality": 2, "service": 1, "technical": 1},
    "by_severity": {"1": 2, "2": 2, "3": 1},
    "by_department": {"QC": 2, "RD": 3},
    "reports_closed": 4,  # 1, 2, 3, 6
    "mean_hours_to_close": 234.0,  # (48 + 408 + 360 + 120) / 4
    "timeliness_rate": 0.75,  # 1, 3, 6 on time of 4
    "timeliness_by_department": {"QC": {"closed": 1, "on_time": 1, "timeliness_rate": 1.0},
                                 "RD": {"closed": 3, "on_time": 2, "timeliness_rate": 0.6667}},
    "open_at_end": 2,  # 4 and 5
    "overdue_at_end": 1,  # 4
    "open_by_department": {"QC": 1, "RD": 1},
    "overdue_by_department": {"QC": 1},
    "satisfaction_mean": 4.0,  # (5 + 3) / 2; the November call does not count
    "satisfaction_calls": 2,
    "plans_checked": 2,
    "plans_effective_at_first_check": 1,
    "plan_effectiveness_rate": 0.5,
    "actions_done": 1,
    "action_on_time_rate": 1.0,
    "open_actions": 0,
    "overdue_actions": 0,
    "upgrade_plans_due": 2,
    "upgrade_plans_completed": 1,
    "upgrade_completion_rate": 0.5,
    "versions_changed": 1,
}


def test_figures_match_the_hand_computed_fixture(october):
    data = report.figures(report.parse_month("2026-10"))
    assert {k: data[k] for k in HAND_COMPUTED} == HAND_COMPUTED
    made = data["versions_made_effective"]
    assert [(v["document"], v["version"]) for v in made] == [(october["document"].number, 1)]


def test_quarter_and_bad_periods():
    quarter = report.parse_quarter("2026-Q4")
    assert (quarter.label, quarter.first, quarter.after) == ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1))
    december = report.parse_month("2026-12")
    assert december.after == date(2027, 1, 1)
    assert report.previous_month(date(2027, 1, 1)).label == "2026-12"
    from app.errors import ValidationFailed

    for bad in ("2026-13", "26-10", "October", "", "9999-12", "1999-01"):
        with pytest.raises(ValidationFailed):
            report.parse_month(bad)
    for bad in ("2026-Q5", "9999-Q4", "Q4"):
        with pytest.raises(ValidationFailed):
            report.parse_quarter(bad)


def test_pdf_in_traditional_chinese_with_charts(october, tmp_path):
    pdf = report.render_pdf(report.figures(report.parse_month("2026-10")), "zh_Hant")
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "月度產品跟蹤分析報告 2026-10" in text and "平均關閉時間（小時）" in text and "75.0%" in text
    if shutil.which("pdfimages"):
        images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
        assert len(images.strip().splitlines()) - 2 >= 5  # four breakdown charts and the timeliness chart
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                       check=True)
        assert (tmp_path / "page-1.png").stat().st_size > 5000


def test_published_as_versions_of_the_quality_document(october, app):
    first = report.publish(report.parse_month("2026-10"))
    db.session.commit()
    document = first.document
    assert (document.title, document.category, first.number, first.state) == (
        "Monthly product tracking report 2026-10", "quality", 1, "draft")
    assert first.media_type == "application/pdf" and "平均關閉時間" in first.text  # extracted like any upload
    second = report.publish(report.parse_month("2026-10"), requested_by=october["admin"])
    db.session.commit()
    assert (second.document_id, second.number) == (document.id, 2)
    assert db.session.scalars(select(Document).where(Document.category == "quality")).all() == [document]


def test_cli_monthly_and_quarter(october, runner, tmp_path):
    out = tmp_path / "q.pdf"
    result = runner.invoke(args=["reports", "monthly", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "Monthly product tracking report 2026-10" in result.output
    docx = tmp_path / "q.docx"
    result = runner.invoke(args=["reports", "monthly", "--quarter", "2026-Q4", "--out", str(out), "--docx", str(docx)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    from docx import Document as DocxDocument

    opened = DocxDocument(str(docx))
    text = "\n".join([p.text for p in opened.paragraphs]
                     + [c.text for t in opened.tables for r in t.rows for c in r.cells])
    assert "月度產品跟蹤分析報告 2026-Q4" in text and "平均關閉時間（小時）" in text
    bad = runner.invoke(args=["reports", "monthly", "--month", "2026-13"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    assert runner.invoke(args=["reports", "monthly"]).exit_code != 0


def test_first_of_month_job_generates_last_month_once(october, app):
    import time_machine

    from app.backup.scheduler import run_monthly_report_job

    with time_machine.travel("2026-10-31T16:30:00+00:00", tick=False):  # 1 November 00:30 in Taipei
        assert run_monthly_report_job(app) == 1
        assert run_monthly_report_job(app) == 0
    titles = db.session.scalars(select(Document.title).where(Document.category == "quality")).all()
    assert titles == ["Monthly product tracking report 2026-10"]


def test_button_on_the_metrics_page(october, client, login, make_user):
    login(october["admin"])
    page = client.get("/issues/metrics").get_data(as_text=True)
    assert 'data-form="monthly-report"' in page
    response = client.post("/reports/monthly", data={"month": "2026-10"})
    assert response.status_code == 302 and "/documents/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Monthly product tracking report 2026-10" in page
    bad = client.post("/reports/monthly", data={"month": "2026-13"}, follow_redirects=True)
    assert "YYYY-MM" in bad.get_data(as_text=True)
    client.post("/logout")
    login(make_user("author", "RD"))
    assert 'data-form="monthly-report"' not in client.get("/issues/metrics").get_data(as_text=True)
    assert client.post("/reports/monthly", data={"month": "2026-10"}).status_code == 403
