"""The monthly (or quarterly) product-tracking report (產品持續跟蹤管理制度:
定期評估, 月度產品跟蹤分析報告).

``figures(period)`` computes the numbers; ``render_pdf`` draws them with
charts (matplotlib, Agg backend, rendered on the server) into a PDF in the
company's language (REPORT_LOCALE); ``publish`` stores the PDF as a new
version of the quality document "Monthly product tracking report
YYYY-MM" through the ordinary upload path (extraction, search, approval).

Rules of each figure (the period is [first day, first day of the next
period) in the company's time zone):
- problem reports by product, category, severity and department: reports
  created in the period;
- timeliness per department: over reports closed in the period that had a
  due date, the share closed on or before it (app.issues.metrics);
- mean time to close: reports closed in the period, closed_at - created_at;
- open at the period's end: created before the end and not closed by
  then; overdue among them: due before the end;
- improvement plans: effectiveness at the first check in the period,
  actions done on time (app.improvement.metrics);
- customer satisfaction: follow-up calls in the period, mean score 1-5;
- upgrade-plan completion: upgrade plans due for release in the period,
  the share released on or before the date;
- documents: versions made effective in the period, and versions uploaded
  (changed) in the period.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.auth.models import Department, User, UserRole
from app.clock import company_midnight
from app.documents.models import Document, DocumentVersion
from app.errors import N_, ValidationFailed
from app.extensions import db
from app.improvement import metrics as plan_metrics
from app.issues import metrics as issue_metrics
from app.issues.models import Issue

TITLE = "Monthly product tracking report {label}"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@dataclass(frozen=True)
class Period:
    label: str  # 2026-10 or 2026-Q4
    first: date
    after: date  # the first day after the period

    def bounds(self) -> tuple[datetime, datetime]:
        """The period's instants in UTC: midnight in the company's zone."""
        return company_midnight(self.first), company_midnight(self.after)


def _next_month(day: date, months: int = 1) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> Period:
    match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2999:
        raise ValidationFailed(N_("a month is written YYYY-MM, e.g. 2026-10"), field="month")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return Period(first.strftime("%Y-%m"), first, _next_month(first))


def parse_quarter(text: str) -> Period:
    match = re.fullmatch(r"(\d{4})-?Q([1-4])", (text or "").strip().upper())
    if not match or not 2000 <= int(match.group(1)) <= 2999:
        raise ValidationFailed(N_("a quarter is written YYYY-Qn, e.g. 2026-Q4"), field="quarter")
    first = date(int(match.group(1)), 3 * (int(match.group(2)) - 1) + 1, 1)
    return Period(f"{first.year}-Q{match.group(2)}", first, _next_month(first, 3))


def previous_month(today: date) -> Period:
    first = _next_month(date(today.year, today.month, 1), -1)
    return Period(first.strftime("%Y-%m"), first, _next_month(first))


# Figures -------------------------------------------------------------------


def figures(period: Period) -> dict:
    start, end = period.bounds()
    issues = issue_metrics.compute(start, end)
    plans = plan_metrics.compute(start, end)
    created = db.session.scalars(select(Issue).where(Issue.created_at >= start, Issue.created_at < end)).all()
    open_rows = db.session.execute(
        select(Issue.id, Issue.due_at, Department.code)
        .outerjoin(Department, Department.id == Issue.department_id)
        .where(Issue.created_at < end, (Issue.closed_at.is_(None)) | (Issue.closed_at >= end))
    ).all()
    open_by_department: Counter[str] = Counter()
    overdue_by_department: Counter[str] = Counter()
    for _id, due_at, code in open_rows:
        open_by_department[code or "unassigned"] += 1
        if due_at is not None and due_at < end:
            overdue_by_department[code or "unassigned"] += 1
    made_effective = db.session.execute(
        select(Document.number, DocumentVersion.number, Document.title, DocumentVersion.effective_at)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.effective_at >= start, DocumentVersion.effective_at < end)
        .order_by(DocumentVersion.effective_at, DocumentVersion.id)
    ).all()
    changed = (
        db.session.scalar(
            select(func.count())
            .select_from(DocumentVersion)
            .where(DocumentVersion.created_at >= start, DocumentVersion.created_at < end)
        )
        or 0
    )
    satisfaction = issues["satisfaction"]
    return {
        "period": period.label,
        "from": period.first.isoformat(),
        "to": period.after.isoformat(),
        "reports_created": issues["created"],
        "by_product": dict(sorted(Counter(i.product or "" for i in created).items())),
        "by_category": dict(sorted(issues["by_category"].items())),
        "by_severity": dict(sorted(issues["by_severity"].items())),
        "by_department": dict(sorted(issues["by_department"].items())),
        "reports_closed": issues["closed"],
        "mean_hours_to_close": issues["mean_hours_to_close"],
        "timeliness_rate": issues["timeliness_rate"],
        "timeliness_by_department": dict(sorted(issues["timeliness_by_department"].items())),
        "open_at_end": len(open_rows),
        "overdue_at_end": sum(overdue_by_department.values()),
        "open_by_department": dict(sorted(open_by_department.items())),
        "overdue_by_department": dict(sorted(overdue_by_department.items())),
        "satisfaction_mean": satisfaction["mean"],
        "satisfaction_calls": satisfaction["count"],
        "plans_checked": plans["plans_checked"],
        "plans_effective_at_first_check": plans["plans_effective_at_first_check"],
        "plan_effectiveness_rate": plans["plan_effectiveness_rate"],
        "actions_done": plans["actions_done"],
        "action_on_time_rate": plans["action_on_time_rate"],
        "open_actions": plans["open_actions"],
        "overdue_actions": plans["overdue_actions"],
        "upgrade_plans_due": plans["upgrade_plans_due"],
        "upgrade_plans_completed": plans["upgrade_plans_completed"],
        "upgrade_completion_rate": plans["upgrade_completion_rate"],
        "versions_changed": changed,
        "versions_made_effective": [
            {"document": number, "version": version, "title": title}
            for number, version, title, _at in made_effective
        ],
    }


# Rendering -----------------------------------------------------------------


def cjk_font_path() -> str | None:
    configured = current_app.config.get("REPORT_FONT")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _number(value: float | int | None) -> str:
    return "–" if value is None else f"{value}"


def _chart(title: str, data: dict[str, float], font_path: str | None, percent: bool = False) -> bytes:
    import logging

    import matplotlib

    matplotlib.use("Agg")
    # Category labels such as severities "1", "2", "3" are labels, not numbers: no notice wanted.
    logging.getLogger("matplotlib.category").setLevel(logging.WARNING)
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    properties = None
    if font_path:
        font_manager.fontManager.addfont(font_path)
        properties = font_manager.FontProperties(fname=font_path)
    figure = Figure(figsize=(6.4, 2.6), dpi=110)
    axes = figure.subplots()
    labels = list(data) or ["–"]
    values = [data[k] * (100 if percent else 1) for k in data] or [0]
    axes.bar(labels, values, color="#3b6ea5")
    axes.set_title(title, fontproperties=properties)
    if percent:
        axes.set_ylim(0, 100)
    for label in axes.get_xticklabels():
        if properties is not None:
            label.set_fontproperties(properties)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def render_pdf(data: dict, locale: str | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    locale = locale or current_app.config["REPORT_LOCALE"]
    font_path = cjk_font_path()
    if font_path:
        font = "DoctrackCJK"
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(font, font_path, subfontIndex=0))
    else:  # no CJK font file: a CID font the PDF viewer supplies
        font = "MSung-Light" if locale == "zh_Hant" else "STSong-Light"
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(font))
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    out = io.BytesIO()
    with force_locale(locale):
        _ = gettext
        title = _("Monthly product tracking report %(period)s", period=data["period"])
        doc = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=2 * cm, rightMargin=2 * cm)
        story: list = [Paragraph(title, styles["Title"])]
        story.append(
            Paragraph(
                _("Period: %(start)s to %(end)s (exclusive)", start=data["from"], end=data["to"]),
                styles["Normal"],
            )
        )
        story.append(Spacer(1, 8))

        def table(rows: list[list[str]], widths=None) -> Table:
            t = Table(rows, colWidths=widths, hAlign="LEFT")
            t.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), font, 9),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ]
                )
            )
            return t

        story.append(Paragraph(_("Summary"), styles["Heading2"]))
        story.append(
            table(
                [
                    [_("Indicator"), _("Value")],
                    [_("Problem reports created"), _number(data["reports_created"])],
                    [_("Problem reports closed"), _number(data["reports_closed"])],
                    [_("Timeliness rate"), _percent(data["timeliness_rate"])],
                    [_("Mean time to close (hours)"), _number(data["mean_hours_to_close"])],
                    [_("Open at the end of the period"), _number(data["open_at_end"])],
                    [_("Overdue at the end of the period"), _number(data["overdue_at_end"])],
                    [
                        _("Customer satisfaction (1-5)"),
                        f"{_number(data['satisfaction_mean'])} ({data['satisfaction_calls']})",
                    ],
                    [
                        _("Improvement plans effective at first check"),
                        f"{data['plans_effective_at_first_check']}/{data['plans_checked']} ({_percent(data['plan_effectiveness_rate'])})",
                    ],
                    [_("Actions done on time"), _percent(data["action_on_time_rate"])],
                    [
                        _("Open actions / overdue actions"),
                        f"{data['open_actions']} / {data['overdue_actions']}",
                    ],
                    [
                        _("Upgrade-plan completion"),
                        f"{data['upgrade_plans_completed']}/{data['upgrade_plans_due']} ({_percent(data['upgrade_completion_rate'])})",
                    ],
                    [_("Document versions uploaded"), _number(data["versions_changed"])],
                    [_("Document versions made effective"), _number(len(data["versions_made_effective"]))],
                ],
                widths=[10 * cm, 6 * cm],
            )
        )
        from app.issues.forms import CATEGORY_LABELS, SEVERITY_LABELS

        names = {
            "by_category": {k: str(v) for k, v in CATEGORY_LABELS.items()}
            | {"unclassified": _("Unclassified")},
            "by_severity": {str(k): str(v) for k, v in SEVERITY_LABELS.items()} | {"0": _("Unclassified")},
            "by_department": {"unassigned": _("Unassigned")},
        }
        for heading, key in (
            (_("Problem reports by product"), "by_product"),
            (_("Problem reports by category"), "by_category"),
            (_("Problem reports by severity"), "by_severity"),
            (_("Problem reports by department"), "by_department"),
        ):
            story.append(Paragraph(heading, styles["Heading2"]))
            labelled = {names.get(key, {}).get(k, k) or "–": v for k, v in data[key].items()}
            rows = [[_("Group"), _("Reports")]] + [[k, str(v)] for k, v in labelled.items()]
            story.append(table(rows, widths=[10 * cm, 6 * cm]))
            if labelled:
                png = _chart(heading, labelled, font_path)
                story.append(Image(io.BytesIO(png), width=16 * cm, height=6.5 * cm))
        story.append(Paragraph(_("Timeliness and open items per department"), styles["Heading2"]))
        departments = sorted(set(data["timeliness_by_department"]) | set(data["open_by_department"]))
        rows = [
            [
                _("Department"),
                _("Closed with a due date"),
                _("On time"),
                _("Timeliness rate"),
                _("Open"),
                _("Overdue"),
            ]
        ]
        for code in departments:
            entry = data["timeliness_by_department"].get(code, {})
            rows.append(
                [
                    code,
                    str(entry.get("closed", 0)),
                    str(entry.get("on_time", 0)),
                    _percent(entry.get("timeliness_rate")),
                    str(data["open_by_department"].get(code, 0)),
                    str(data["overdue_by_department"].get(code, 0)),
                ]
            )
        story.append(table(rows))
        rates = {k: v["timeliness_rate"] for k, v in data["timeliness_by_department"].items()}
        if rates:
            png = _chart(_("Timeliness rate"), rates, font_path, percent=True)
            story.append(Image(io.BytesIO(png), width=16 * cm, height=6.5 * cm))
        story.append(Paragraph(_("Documents made effective"), styles["Heading2"]))
        rows = [[_("Document"), _("Version"), _("Title")]] + [
            [v["document"], str(v["version"]), v["title"][:60]] for v in data["versions_made_effective"][:200]
        ]
        story.append(table(rows, widths=[5 * cm, 2 * cm, 9 * cm]))
        doc.build(story)
    return out.getvalue()


def render_docx(data: dict, locale: str | None = None) -> bytes:
    """The same figures as an editable Word file (tables and the
    timeliness chart), for those who annotate the report before a meeting."""
    from docx import Document as DocxDocument
    from docx.shared import Cm

    locale = locale or current_app.config["REPORT_LOCALE"]
    font_path = cjk_font_path()
    docx = DocxDocument()
    with force_locale(locale):
        _ = gettext
        docx.add_heading(_("Monthly product tracking report %(period)s", period=data["period"]), level=0)
        docx.add_paragraph(_("Period: %(start)s to %(end)s (exclusive)", start=data["from"], end=data["to"]))
        rows = [
            (_("Problem reports created"), _number(data["reports_created"])),
            (_("Problem reports closed"), _number(data["reports_closed"])),
            (_("Timeliness rate"), _percent(data["timeliness_rate"])),
            (_("Mean time to close (hours)"), _number(data["mean_hours_to_close"])),
            (_("Open at the end of the period"), _number(data["open_at_end"])),
            (_("Overdue at the end of the period"), _number(data["overdue_at_end"])),
            (_("Customer satisfaction (1-5)"), _number(data["satisfaction_mean"])),
            (_("Upgrade-plan completion"), _percent(data["upgrade_completion_rate"])),
            (_("Document versions made effective"), _number(len(data["versions_made_effective"]))),
        ]
        docx.add_heading(_("Summary"), level=1)
        table = docx.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = _("Indicator"), _("Value")
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value
        for heading, key in (
            (_("Problem reports by product"), "by_product"),
            (_("Problem reports by category"), "by_category"),
            (_("Problem reports by department"), "by_department"),
        ):
            docx.add_heading(heading, level=1)
            table = docx.add_table(rows=1, cols=2)
            table.style = "Table Grid"
            table.rows[0].cells[0].text, table.rows[0].cells[1].text = _("Group"), _("Reports")
            for k, v in data[key].items():
                cells = table.add_row().cells
                cells[0].text, cells[1].text = k or "–", str(v)
        rates = {k: v["timeliness_rate"] for k, v in data["timeliness_by_department"].items()}
        if rates:
            docx.add_heading(_("Timeliness rate"), level=1)
            docx.add_picture(
                io.BytesIO(_chart(_("Timeliness rate"), rates, font_path, percent=True)), width=Cm(16)
            )
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


# Publishing ----------------------------------------------------------------


def report_author() -> User:
    """REPORT_AUTHOR (an e-mail), else the first active administrator."""
    email = current_app.config.get("REPORT_AUTHOR")
    if email:
        user = db.session.scalar(
            select(User).where(User.email == email.strip().lower(), User.active.is_(True))
        )
        if user is None:
            raise ValidationFailed(N_("REPORT_AUTHOR names no active user"), field="author")
        return user
    user = db.session.scalar(
        select(User)
        .join(UserRole)
        .where(UserRole.role == "admin", User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    if user is None:
        raise ValidationFailed(
            N_("no active administrator to author the report; set REPORT_AUTHOR"), field="author"
        )
    return user


def publish(period: Period, requested_by: User | None = None) -> DocumentVersion:
    """Generate the report and store it as a new version of its document
    (created on first use) in the quality category. Flushes, never commits."""
    from app.documents import service as documents

    author = requested_by if requested_by is not None and requested_by.has_role("admin") else report_author()
    data = figures(period)
    pdf = render_pdf(data)
    title = TITLE.format(label=period.label)
    note = f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}"
    if requested_by is not None:
        note += f" at the request of {requested_by.email}"
    upload = documents.Upload(io.BytesIO(pdf), f"product-tracking-report-{period.label}.pdf")
    existing = db.session.scalar(
        select(Document)
        .where(Document.title == title, Document.category == "quality")
        .order_by(Document.id)
        .limit(1)
    )
    if existing is not None:
        return documents.add_version(author, existing, upload, note)
    code = current_app.config.get("REPORT_DEPARTMENT") or author.department.code
    if db.session.scalar(select(Department.id).where(Department.code == code)) is None:
        code = author.department.code
    document = documents.create_document(
        author,
        documents.DocumentFields(title=title, category="quality", doc_type="other", department=code),
        upload,
        note,
    )
    return document.versions[0]


def publish_once(today: date | None = None) -> int:
    """Last month's report unless it was already generated (the scheduler's
    job on the first day of the month; safe to run twice or on two
    machines: the claim row is unique and inserted first)."""
    from app.clock import company_today
    from app.reminders.service import claim

    period = previous_month(today or company_today())
    author = report_author()
    if not claim("report", 0, author, "monthly", period.label):
        return 0
    publish(period)
    return 1
