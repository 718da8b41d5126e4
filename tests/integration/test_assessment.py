"""Department assessment (考核指標): page and API with each indicator's
rule, units sold imported from CSV for the failure rate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.improvement.models import Plan
from app.issues.models import Issue, IssueFollowUp
from app.reminders.models import UnitsSold


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


SALES = b"product,month,units\nX200,2026-10,2000\nX300,2026-10,500\nX200,2026-11,1800\n"


@pytest.fixture
def world(make_user, runner, tmp_path):
    rd, qc = make_user("author", "RD"), make_user("qc", "QC")
    head = make_user("dept_head", "RD")
    csv_file = tmp_path / "sales.csv"
    csv_file.write_bytes(SALES)
    result = runner.invoke(args=["sales", "import", str(csv_file)])
    assert result.exit_code == 0 and "3 rows added, 0 updated" in result.output

    def issue(product, category, dept, created, due=None, closed=None):
        row = Issue(title="r", product=product, category=category, department_id=dept.department_id,
                    reported_by_id=rd.id, created_at=created, due_at=due, closed_at=closed, state="in_progress")
        db.session.add(row)
        return row

    a = issue("X200", "quality", rd, utc(2026, 10, 2), utc(2026, 10, 5), utc(2026, 10, 4))  # on time
    issue("X200", "technical", rd, utc(2026, 10, 3), utc(2026, 10, 6), utc(2026, 10, 9))  # late
    issue("X200", "service", rd, utc(2026, 10, 4))  # a service problem: not a failure
    issue("X300", "quality", qc, utc(2026, 10, 5))
    issue("X900", "quality", qc, utc(2026, 10, 6))  # no sales entered: not counted
    db.session.flush()
    db.session.add(IssueFollowUp(issue_id=a.id, author_id=qc.id, score=4, created_at=utc(2026, 10, 6)))
    db.session.add(Plan(kind="upgrade", title="u", department_id=rd.department_id, created_by_id=rd.id,
                        state="closed", approved_at=utc(2026, 9, 1), release_date=date(2026, 10, 20),
                        released_at=utc(2026, 10, 19)))
    db.session.commit()
    return {"head": head, "author": rd, "qc": qc}


def test_api_indicators_with_their_rules(world, api_as):
    body = api_as(world["head"]).get("/assessment?month=2026-10").get_json()
    assert body["period"] == "2026-10" and set(body["rules"]) == {
        "timeliness_rate", "satisfaction", "failure_rate", "upgrade_completion_rate"}
    rd = next(d for d in body["departments"] if d["code"] == "RD")
    qc = next(d for d in body["departments"] if d["code"] == "QC")
    assert (rd["timeliness_rate"], rd["closed_with_due_date"], rd["closed_on_time"]) == (0.5, 2, 1)
    assert (rd["satisfaction"], rd["satisfaction_calls"]) == (4.0, 1)
    assert (rd["failures"], rd["units_sold"], rd["failure_rate_per_1000"]) == (2, 2000, 1.0)  # 2 per 2,000 units
    assert (qc["failures"], qc["units_sold"], qc["failure_rate_per_1000"]) == (1, 500, 2.0)
    assert (rd["upgrade_plans_due"], rd["upgrade_completion_rate"]) == (1, 1.0)
    assert qc["timeliness_rate"] is None and qc["upgrade_completion_rate"] is None
    assert body["products"] == [
        {"product": "X200", "units_sold": 2000, "failures": 2, "failure_rate_per_1000": 1.0},
        {"product": "X300", "units_sold": 500, "failures": 1, "failure_rate_per_1000": 2.0},
    ]


def test_quarter_adds_up_the_months(world, api_as):
    body = api_as(world["qc"]).get("/assessment?quarter=2026-Q4").get_json()
    x200 = next(p for p in body["products"] if p["product"] == "X200")
    assert x200["units_sold"] == 3800 and body["months_with_sales"] == ["2026-10", "2026-11"]


def test_who_sees_it_and_bad_periods(world, api_as):
    assert api_as(world["author"]).get("/assessment").status_code == 403
    bad = api_as(world["head"]).get("/assessment?month=2026-13")
    assert bad.status_code == 400 and "YYYY-MM" in bad.get_json()["error"]["message"]


def test_page_shows_each_rule_in_chinese(world, client, login):
    login(world["head"])
    client.post("/language/zh_Hant")
    page = client.get("/assessment?month=2026-10").get_data(as_text=True)
    assert 'data-department="RD"' in page and "問題處理及時率：" in page and "產品故障率：" in page
    assert "50.0%" in page


def test_sales_import_is_all_or_nothing(world, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"product,month,units\nX200,2026-10,2100\nX300,2026-10,-5\n")
    result = runner.invoke(args=["sales", "import", str(bad)])
    assert result.exit_code != 0 and "line 3" in result.output
    assert db.session.scalar(select(UnitsSold.units).where(UnitsSold.product == "X200",
                                                           UnitsSold.month == date(2026, 10, 1))) == 2000
    for content, message in ((b"name,units\n", "product,month,units"), (b"\xff\xfe", "UTF-8"),
                             (b"product,month,units\nX200,10/2026,5\n", "YYYY-MM")):
        bad.write_bytes(content)
        result = runner.invoke(args=["sales", "import", str(bad)])
        assert result.exit_code != 0 and message in result.output
    good = tmp_path / "fix.csv"
    good.write_bytes(b"product,month,units\nX200,2026-10,2100\n")
    result = runner.invoke(args=["sales", "import", str(good)])
    assert "0 rows added, 1 updated" in result.output
