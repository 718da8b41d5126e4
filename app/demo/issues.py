"""Demo problem reports, walked through the real workflow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.auth.service import user_by_email
from app.documents.models import Document
from app.extensions import db
from app.issues import customer, service
from app.issues.models import Issue

# Who does the work of a responsible department in the demo.
WORKER = {"RD": "author@doctrack.local", "QC": "qc@doctrack.local", "CS": "support@doctrack.local"}
ORDER = ["reported", "triaged", "in_progress", "resolved", "verified", "closed"]


def _reached(target: str, state: str) -> bool:
    return ORDER.index(target) >= ORDER.index(state)


def load_issues(specs: list[dict], documents: dict[str, Document]) -> None:
    support = user_by_email("support@doctrack.local")
    qc = user_by_email("qc@doctrack.local")
    for spec in specs:
        if db.session.scalar(select(Issue).where(Issue.title == spec["title"])) is not None:
            continue
        fields = {
            k: spec.get(k, "")
            for k in (
                "title",
                "phenomenon",
                "found_at",
                "found_by",
                "location",
                "scope",
                "source",
                "customer_ref",
                "product",
            )
        }
        issue = service.create_issue(support, fields)
        target = spec["state"]
        for key, number, relation in spec.get("links", []):
            document = documents.get(key)
            if document is not None and document.version(number) is not None:
                service.add_link(qc, issue, document.id, number, relation)
        if _reached(target, "triaged"):
            service.act(
                issue,
                "triage",
                actor=support,
                fields={
                    "category": spec["category"],
                    "severity": spec["severity"],
                    "department": spec["department"],
                },
            )
        worker: User = user_by_email(WORKER[spec["department"]])
        if _reached(target, "in_progress"):
            service.act(issue, "start", actor=worker)
        for body in spec.get("comments", []):
            service.add_comment(worker, issue, body)
        if _reached(target, "resolved"):
            service.act(
                issue,
                "resolve",
                actor=worker,
                fields={"analysis": spec.get("analysis", ""), "resolution": spec["resolution"]},
            )
        elif spec.get("analysis"):
            issue.analysis = spec["analysis"]
        if _reached(target, "verified"):
            service.act(issue, "verify", actor=qc)
        if _reached(target, "closed"):
            if issue.source == "customer":  # the customer hears the result before the report closes
                customer.add_reply(
                    support, issue, {"text": spec.get("reply", "已回覆客戶處理結果。"), "accepted": True}
                )
            service.act(issue, "close", actor=qc)
        _backdate(issue)
        db.session.commit()


def _backdate(issue: Issue) -> None:
    """Place the report at its finding date, so the demo has overdue reports
    and a meaningful timeliness rate; later steps keep their real times."""
    if issue.found_at is None:
        return
    shift = issue.found_at + timedelta(hours=2) - issue.created_at
    for name in ("created_at", "triaged_at", "due_at"):
        if getattr(issue, name) is not None:
            setattr(issue, name, getattr(issue, name) + shift)
