"""Monthly product-tracking report speed on a year of problem reports.

    .venv/bin/python -m bench.monthly_report_bench                  # 12 months x 5,000 reports, SQLite
    .venv/bin/python -m bench.monthly_report_bench --per-month 417  # 5,000 reports in all
    .venv/bin/python -m bench.monthly_report_bench --database-url postgresql://postgres@127.0.0.1:5432/bench

Reports are spread evenly over the twelve months of 2026 (company time),
across 4 products, 4 categories, 3 severities and 6 departments; 80 %
are closed (half of them late), one in five has a follow-up call; 200
plans. It times the figures, the PDF (charts included) and the whole
publication (upload path with text extraction) of the last month, then
the figures and PDF of all twelve months and of Q4.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path


def seed(per_month: int) -> int:
    from sqlalchemy import insert

    from app.auth import service as auth
    from app.auth.models import Department
    from app.extensions import db
    from app.improvement.models import Plan
    from app.issues.models import Issue, IssueFollowUp

    rng = random.Random(16)
    codes = ["RD", "QC", "PRD", "MKT", "CS", "DA"]
    for code in codes:
        auth.create_department(code, code)
    admin = auth.create_user("admin@bench.local", name="Admin", department_code="QC", roles=["admin"],
                             password="bench-password")
    db.session.commit()
    departments = {d.code: d.id for d in db.session.query(Department)}
    rows, follow_ups = [], []
    issue_id = 0
    for month in range(1, 13):
        first = datetime(2026, month, 1, tzinfo=UTC)
        for n in range(per_month):
            issue_id += 1
            created = first + timedelta(minutes=rng.randrange(0, 28 * 24 * 60))
            due = created + timedelta(days=rng.choice((3, 10, 30)))
            closed = None
            if rng.random() < 0.8:
                closed = due + timedelta(days=rng.choice((-2, 3))) if rng.random() < 0.5 else due - timedelta(hours=5)
            rows.append({
                "id": issue_id, "title": f"report {issue_id}", "product": rng.choice(["X100", "X200", "X300", "X400"]),
                "category": rng.choice(["technical", "quality", "functional", "service"]),
                "severity": rng.choice((1, 2, 3)), "department_id": departments[rng.choice(codes)],
                "reported_by_id": admin.id, "state": "closed" if closed else "in_progress", "created_at": created,
                "updated_at": created, "due_at": due, "closed_at": closed, "phenomenon": "", "source": "internal",
            })
            if closed and n % 5 == 0:
                follow_ups.append({"issue_id": issue_id, "author_id": admin.id, "score": rng.randint(1, 5),
                                   "created_at": closed + timedelta(days=1), "comment": ""})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Issue), rows[start:start + 5000])
    db.session.execute(insert(IssueFollowUp), follow_ups)
    plans = []
    for n in range(200):
        month = n % 12 + 1
        kind = "upgrade" if n % 2 else "improvement"
        plans.append({
            "kind": kind, "title": f"plan {n}", "department_id": departments[codes[n % 6]], "created_by_id": admin.id,
            "state": "closed", "approved_at": datetime(2026, month, 1, tzinfo=UTC),
            "release_date": date(2026, month, 20) if kind == "upgrade" else None,
            "released_at": datetime(2026, month, 19 + n % 3, tzinfo=UTC) if kind == "upgrade" else None,
            "first_checked_at": datetime(2026, month, 15, tzinfo=UTC) if kind == "improvement" else None,
            "first_check_effective": bool(n % 3) if kind == "improvement" else None,
            "created_at": datetime(2026, month, 1, tzinfo=UTC), "updated_at": datetime(2026, month, 1, tzinfo=UTC),
            "partner_departments": [], "revision": 1, "check_count": 1,
        })
    db.session.execute(insert(Plan), plans)
    db.session.commit()
    return issue_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-month", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="doctrack-report-bench-"))

    from app import create_app
    from app.extensions import db
    from app.reminders import report

    app = create_app({"INSTANCE_DIR": str(work / "instance"), "STORAGE_DIR": str(work / "storage"),
                      "DATABASE_URL": args.database_url or f"sqlite:///{work / 'doctrack.db'}",
                      "SECRET_KEY": "bench", "SEARCH_INLINE_INDEXING": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        total = seed(args.per_month)
        print(f"seeded {total:,} problem reports in {time.perf_counter() - started:.1f} s", flush=True)
        december = report.parse_month("2026-12")
        started = time.perf_counter()
        data = report.figures(december)
        t_figures = time.perf_counter() - started
        started = time.perf_counter()
        pdf = report.render_pdf(data)
        t_pdf = time.perf_counter() - started
        started = time.perf_counter()
        version = report.publish(december)
        db.session.commit()
        version_number = version.number
        t_publish = time.perf_counter() - started
        started = time.perf_counter()
        for month in range(1, 13):
            report.render_pdf(report.figures(report.parse_month(f"2026-{month:02d}")))
        t_year = time.perf_counter() - started
        started = time.perf_counter()
        report.render_pdf(report.figures(report.parse_quarter("2026-Q4")))
        t_quarter = time.perf_counter() - started
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{engine}; {args.per_month:,} reports a month, 12 months ({total:,} in all)\n")
    print("| step | seconds |")
    print("|---|---|")
    print(f"| figures, one month ({data['reports_created']:,} created, {data['open_at_end']:,} open at the end) | {t_figures:.2f} |")
    print(f"| PDF with 5 charts ({len(pdf) / 1024:.0f} KB) | {t_pdf:.2f} |")
    print(f"| publish: figures + PDF + upload path with extraction (v{version_number}) | {t_publish:.2f} |")
    print(f"| figures + PDF for each of the 12 months | {t_year:.2f} |")
    print(f"| figures + PDF for Q4 | {t_quarter:.2f} |")


if __name__ == "__main__":
    main()
