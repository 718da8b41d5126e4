"""Issue 16 in the API: department assessment, mark all notifications
read, watching, the product-tracking report."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.api import api_blueprint
from app.errors import N_, PermissionDenied
from app.extensions import db
from app.notify import service as notifications

blp = api_blueprint("followup", "Department assessment, watching, notifications, reports")


class PeriodArgs(Schema):
    month = fields.String(validate=validate.Length(max=7), metadata={"description": "YYYY-MM"})
    quarter = fields.String(validate=validate.Length(max=7), metadata={"description": "YYYY-Qn"})


def _period(args):
    from app.clock import company_today
    from app.reminders import report

    if args.get("quarter"):
        return report.parse_quarter(args["quarter"])
    if args.get("month"):
        return report.parse_month(args["month"])
    return report.previous_month(company_today())


@blp.get("/assessment")
@blp.arguments(PeriodArgs, location="query")
@blp.response(
    200,
    description="Each department's indicators for a month (?month=YYYY-MM, default last month) or a quarter "
    "(?quarter=YYYY-Qn): timeliness rate, customer satisfaction, failure rate per 1,000 units sold, "
    "upgrade-plan completion; `rules` says how each is computed. Admins, leaders, QC and department heads.",
)
def assessment(args):
    from app.reminders import assessment as service

    if not current_user.has_role(*service.ASSESSMENT_ROLES):
        raise PermissionDenied(N_("only administrators, leaders, QC and department heads see the assessment"))
    return service.compute(_period(args))


@blp.post("/notifications/read-all")
@blp.response(200, description='Every unread notification of the caller marked read: `{"marked": n}`.')
def read_all():
    count = notifications.mark_all_read(current_user)
    db.session.commit()
    return {"marked": count}


class WatchArgs(Schema):
    watching = fields.Boolean(required=True)


@blp.put("/watch/<any(document, issue):target>/<int:target_id>")
@blp.arguments(WatchArgs)
@blp.response(200, description="Start (`watching: true`) or stop watching a document or a problem report.")
def set_watch(args, target, target_id):
    from app.reminders import watch

    on = watch.set_watching(current_user, target, target_id, args["watching"])
    db.session.commit()
    return {"target": target, "target_id": target_id, "watching": on}


@blp.post("/reports/monthly")
@blp.arguments(PeriodArgs)
@blp.response(
    201,
    description="Generate the product-tracking report for a month or a quarter and store it "
    "as a new version of its quality document. Admins, leaders and QC.",
)
def generate_report(args):
    from app.reminders import report

    if not current_user.has_role("admin", "leader", "qc"):
        raise PermissionDenied(N_("only administrators, leaders and QC generate the report"))
    version = report.publish(_period(args), requested_by=current_user)
    db.session.commit()
    return {"document_id": version.document_id, "number": version.number, "title": version.document.title}
