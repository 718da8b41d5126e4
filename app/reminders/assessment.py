"""Department assessment (考核指標, 監督與考核): each department's monthly
and quarterly indicators, each with its rule (RULES, shown beside it on
the page and returned by the API), and the units-sold table behind the
failure rate (``flask sales import FILE``)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Department
from app.errors import N_, ValidationFailed
from app.extensions import db
from app.improvement import metrics as plan_metrics
from app.issues import metrics as issue_metrics
from app.issues.models import Issue
from app.reminders.models import UnitsSold
from app.reminders.report import Period

# Who sees the assessment of every department.
ASSESSMENT_ROLES = ("admin", "leader", "qc", "dept_head")
# Problem categories that count as product failures (a service problem is not one).
FAILURE_CATEGORIES = ("technical", "quality", "functional")

RULES = {
    "timeliness_rate": _l(
        "Problem-handling timeliness: of the department's problem reports closed in the period that "
        "had a due date, the share closed on or before it."
    ),
    "satisfaction": _l(
        "Customer satisfaction: the mean score (1 to 5) of the follow-up calls recorded in the period "
        "on the department's problem reports."
    ),
    "failure_rate": _l(
        "Failure rate: technical, quality and functional problem reports assigned to the department and "
        "created in the period, per 1,000 units sold in the period of the products they concern (only "
        "products whose sales are entered count)."
    ),
    "upgrade_completion_rate": _l(
        "Upgrade-plan completion: of the department's upgrade plans due for release in the period, the "
        "share released on or before the release date."
    ),
}


def _rate(part: int, whole: int, scale: int = 1) -> float | None:
    return round(part * scale / whole, 4) if whole else None


def _months(period: Period) -> list[date]:
    months, day = [], period.first
    while day < period.after:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def units_by_product(period: Period) -> dict[str, int]:
    rows = db.session.execute(
        select(UnitsSold.product, UnitsSold.units).where(
            UnitsSold.month >= period.first, UnitsSold.month < period.after
        )
    ).all()
    totals: Counter[str] = Counter()
    for product, units in rows:
        totals[product] += units
    return dict(totals)


def compute(period: Period) -> dict:
    start, end = period.bounds()
    units = units_by_product(period)
    failures = db.session.execute(
        select(Issue.department_id, Issue.product).where(
            Issue.created_at >= start,
            Issue.created_at < end,
            Issue.category.in_(FAILURE_CATEGORIES),
        )
    ).all()
    failures_by_product = Counter(product for _d, product in failures if product in units)
    departments = []
    for department in db.session.scalars(select(Department).order_by(Department.code)):
        issues = issue_metrics.compute(start, end, department.id)
        timeliness = issues["timeliness_by_department"].get(department.code, {"closed": 0, "on_time": 0})
        plans = plan_metrics.compute(start, end, department.id)
        own = Counter(p for d, p in failures if d == department.id and p in units)
        sold = sum(units[p] for p in own)
        departments.append(
            {
                "code": department.code,
                "name": department.name,
                "timeliness_rate": _rate(timeliness["on_time"], timeliness["closed"]),
                "closed_with_due_date": timeliness["closed"],
                "closed_on_time": timeliness["on_time"],
                "satisfaction": issues["satisfaction"]["mean"],
                "satisfaction_calls": issues["satisfaction"]["count"],
                "failures": sum(own.values()),
                "units_sold": sold,
                "failure_rate_per_1000": _rate(sum(own.values()), sold, 1000),
                "upgrade_plans_due": plans["upgrade_plans_due"],
                "upgrade_plans_completed": plans["upgrade_plans_completed"],
                "upgrade_completion_rate": plans["upgrade_completion_rate"],
            }
        )
    products = [
        {
            "product": product,
            "units_sold": units[product],
            "failures": failures_by_product.get(product, 0),
            "failure_rate_per_1000": _rate(failures_by_product.get(product, 0), units[product], 1000),
        }
        for product in sorted(units)
    ]
    return {
        "period": period.label,
        "from": period.first.isoformat(),
        "to": period.after.isoformat(),
        "rules": {key: str(rule) for key, rule in RULES.items()},
        "departments": departments,
        "products": products,
        "months_with_sales": sorted(
            {m.isoformat()[:7] for m in _months(period)}
            & {
                m.isoformat()[:7]
                for m in db.session.scalars(
                    select(UnitsSold.month).where(
                        UnitsSold.month >= period.first, UnitsSold.month < period.after
                    )
                )
            }
        ),
    }


# Units sold ----------------------------------------------------------------


@dataclass
class ImportResult:
    created: int
    updated: int


MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_ROWS = 100_000


def import_units(data: bytes) -> ImportResult:
    """CSV with a header ``product,month,units`` (month YYYY-MM). The whole
    file or nothing: any bad row refuses the import with its line number.
    A product and month already entered is replaced. Flushes, never commits."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(N_("the file is not UTF-8 text"), field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if header[:3] != ["product", "month", "units"]:
        raise ValidationFailed(N_("the first line must be: product,month,units"), field="file")
    parsed: dict[tuple[str, date], int] = {}
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise ValidationFailed(N_("at most %(n)s rows per file"), field="file", n=MAX_ROWS)
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        product, month, units = values.get("product", ""), values.get("month", ""), values.get("units", "")
        match = MONTH.match(month)
        if not product or len(product) > 100:
            raise ValidationFailed(
                N_("line %(line)s: a product name of 1 to 100 characters"), field="file", line=line
            )
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationFailed(N_("line %(line)s: the month is written YYYY-MM"), field="file", line=line)
        if not units.isdigit() or len(units) > 9:
            raise ValidationFailed(
                N_("line %(line)s: units is a whole number, 0 or more"), field="file", line=line
            )
        parsed[(product, date(int(match.group(1)), int(match.group(2)), 1))] = int(units)
    existing: dict[tuple[str, date], UnitsSold] = {
        (entry.product, entry.month): entry
        for entry in db.session.scalars(
            select(UnitsSold).where(UnitsSold.product.in_({p for p, _m in parsed}))
        )
    }
    created = updated = 0
    for (product, month), units in parsed.items():
        found = existing.get((product, month))
        if found is None:
            db.session.add(UnitsSold(product=product, month=month, units=units))
            created += 1
        elif found.units != units:
            found.units = units
            updated += 1
    db.session.flush()
    return ImportResult(created, updated)
