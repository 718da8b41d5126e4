"""Every route, every kind of caller: who gets in, who is refused, and that
a restricted document never shows itself to someone outside its department.

The route table below must cover every rule in the app's URL map (the first
test fails on a route nobody classified). Expected outcomes:
  ok     2xx, or a redirect that is not to the login page
  login  anonymous: 401 under /api, a redirect to /login elsewhere
  403    refused for the role
  404    the object does not exist for this caller
  reach  passes authentication and visibility (any answer but 401/404/login);
         the role or the object's state decides the rest
A set of codes means any of them.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import current_app
from sqlalchemy import select

from app.approval import service as approval
from app.auth.models import ApiToken
from app.extensions import db
from app.issues import service as issues
from app.notify.models import Notification
from app.search import indexer
from tests import factories

PERSONAS = ("anon", "author", "head", "leader", "admin", "outsider", "support", "qc")
INSIDERS = {"author", "head", "leader", "admin"}  # may see the restricted RD document
SECRET = "SECRETWORD"


def build_world() -> dict:
    users = {
        "author": factories.make_user("author", "RD", email="author@rd.test"),
        "head": factories.make_user("dept_head", "RD", email="head@rd.test"),
        "leader": factories.make_user("leader", "MGMT", email="leader@mgmt.test"),
        "admin": factories.make_user("admin", "IT", email="admin@it.test"),
        "outsider": factories.make_user("author", "MKT", email="outsider@mkt.test"),
        "support": factories.make_user("support", "CS", email="support@cs.test"),
        "qc": factories.make_user("qc", "QC", email="qc@qc.test"),
    }
    author, head = users["author"], users["head"]
    restricted = factories.make_document(author, title="Restricted X900 thermal design", confidentiality="restricted",
                                         content=f"{SECRET} thermal margins of the X900.\n")
    public = factories.make_document(author, title="X200 user manual", content="X200 manual, first edition.\n")
    for document in (restricted, public):
        version = document.versions[0]
        approval.act(version, "submit", actor=author)
        approval.act(version, "approve", actor=head, comment="ok", password=factories.DEFAULT_PASSWORD)
    db.session.commit()
    factories.add_version(restricted, author, f"{SECRET} thermal margins, second edition.\n")
    issue = issues.create_issue(users["support"], {"title": "X200 overheats", "phenomenon": "stops after two hours"})
    db.session.flush()
    issues.add_link(users["support"], issue, public.id, 1, "manual")
    restricted_link = issues.add_link(users["admin"], issue, restricted.id, 1, "spec")
    # A second one for the API's unlink: the HTML unlink removes the first for insiders
    # (ids are never reused on PostgreSQL, so the API cannot rely on a re-added link).
    other_link = issues.add_link(users["admin"], issue, restricted.id, 1, "other")
    db.session.commit()
    notification = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    from app.auth.service import create_token

    create_token(author, "author's token")
    db.session.commit()
    indexer.drain(current_app.config)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == author.id))
    # A draft plan: seen by its department (RD), QC, leaders and admins only.
    from app.improvement import service as plans

    plan = plans.create_plan(author, {"title": "X200 improvement", "department": "RD"})
    measure = plans.add_measure(author, plan, {"type": "corrective", "description": "m", "owner_id": author.id,
                                               "due_date": "2999-01-01"})
    db.session.commit()
    return dict(users=users, D=restricted.id, P=public.id, I=issue.id, L=restricted_link.id, M=other_link.id,
                N=notification.id, T=token.id, U=users["qc"].id, PL=plan.id, PM=measure.id)


def _file():
    return {"file": (io.BytesIO(b"new text\n"), "manual.txt"), "change_note": "matrix"}


def _doc_form():
    return {"title": "Matrix doc", "category": "technical", "doc_type": "spec", "product": "X200",
            "department": "RD", "confidentiality": "internal", "change_note": "",
            "file": (io.BytesIO(b"matrix text\n"), "m.txt")}


def everyone(code="ok"):
    return {p: code for p in PERSONAS if p != "anon"}


def insiders_only(inside="ok", outside=404):
    return {p: (inside if p in INSIDERS else outside) for p in PERSONAS if p != "anon"}


def admin_only():
    return {p: ("ok" if p == "admin" else 403) for p in PERSONAS if p != "anon"}


PLAN_SEERS = INSIDERS | {"qc"}


def plan_seers(inside="ok"):
    return {p: (inside if p in PLAN_SEERS else 404) for p in PERSONAS if p != "anon"}


def owner_only(owner="author"):
    return {p: ("ok" if p == owner else 404) for p in PERSONAS if p != "anon"}


# (endpoint, method, path, form-or-json builder, expectations); {D} restricted doc, {P} public
# doc, {I} issue, {L} and {M} its links to D, {N} the author's notification, {T} the author's token.
ROUTES = [
    ("main.dashboard", "GET", "/", None, everyone()),
    ("documents.index", "GET", "/documents/", None, everyone()),
    ("documents.new", "GET", "/documents/new", None, everyone("reach")),
    ("documents.new", "POST", "/documents/new", _doc_form, everyone("reach")),
    ("documents.detail", "GET", "/documents/{D}", None, insiders_only()),
    ("documents.detail", "GET", "/documents/{P}", None, everyone()),
    ("documents.diff", "GET", "/documents/{D}/diff?from=1&to=2", None, insiders_only()),
    ("documents.effective", "GET", "/documents/{D}/effective", None, insiders_only()),
    ("documents.history", "GET", "/documents/{D}/history", None, insiders_only()),
    ("documents.version", "GET", "/documents/{D}/versions/1", None, insiders_only()),
    ("documents.download", "GET", "/documents/{D}/versions/1/file", None, insiders_only()),
    ("documents.download", "GET", "/documents/{P}/versions/1/file", None, everyone()),
    ("documents.new_version", "GET", "/documents/{D}/versions/new", None, insiders_only("reach")),
    ("documents.new_version", "POST", "/documents/{D}/versions/new", _file, insiders_only("reach")),
    ("approval.act", "POST", "/documents/{D}/versions/2/act/submit", {"comment": ""}, insiders_only("reach")),
    ("approval.periodic_review", "POST", "/documents/{D}/review", {"password": "x"}, insiders_only("reach")),
    ("approval.inbox", "GET", "/approvals/inbox", None, everyone()),
    ("approval.reviews", "GET", "/approvals/reviews", None, everyone()),
    ("approval.notification_list", "GET", "/notifications", None, everyone()),
    ("approval.notification_read", "POST", "/notifications/{N}/read", {}, owner_only()),
    ("issues.index", "GET", "/issues/", None, everyone()),
    ("issues.new", "GET", "/issues/new", None, everyone()),
    ("issues.new", "POST", "/issues/new", {"title": "t", "phenomenon": "p"}, everyone()),
    ("issues.detail", "GET", "/issues/{I}", None, everyone()),
    ("issues.export_csv", "GET", "/issues/export.csv", None, everyone()),
    ("issues.metrics_page", "GET", "/issues/metrics", None, everyone()),
    ("issues.act", "POST", "/issues/{I}/act/triage", {"category": "quality", "severity": "2",
                                                      "department": "RD"}, everyone("reach")),
    ("issues.comment", "POST", "/issues/{I}/comments", {"body": "progress"}, everyone("reach")),
    # The HTML forms answer a refusal with a flashed message and a redirect; that nothing
    # changed for outsiders is checked after the run (links to the restricted document).
    ("issues.link", "POST", "/issues/{I}/links", {"document_id": "{D}", "version": "1", "relation": "spec"},
     everyone("reach")),
    ("issues.unlink", "POST", "/issues/{I}/links/{L}/delete", {}, everyone("reach")),
    ("issues.people", "POST", "/issues/{I}/people", {"assignee_id": "{U}"}, everyone("reach")),
    ("issues.customer", "POST", "/issues/{I}/customer", {"channel": "phone"}, everyone("reach")),
    ("issues.reply", "POST", "/issues/{I}/replies", {"text": "r"}, everyone("reach")),
    ("issues.follow_up", "POST", "/issues/{I}/follow-ups", {"score": "5"}, everyone("reach")),
    ("plans.index", "GET", "/plans/", None, everyone()),
    ("plans.new", "GET", "/plans/new", None, everyone()),
    ("plans.new", "POST", "/plans/new", {"title": "t"}, everyone("reach")),
    ("plans.detail", "GET", "/plans/{PL}", None, plan_seers()),
    ("plans.edit", "POST", "/plans/{PL}/edit", {"goal": "g"}, plan_seers("reach")),
    ("plans.add_measure", "POST", "/plans/{PL}/measures", {"type": "corrective", "description": "d",
                                                          "owner_id": "{U}", "due_date": "2999-01-01"},
     plan_seers("reach")),
    ("plans.progress", "POST", "/plans/{PL}/measures/{PM}", {"progress": "p"}, plan_seers("reach")),
    ("plans.link", "POST", "/plans/{PL}/documents", {"document_id": "{D}", "version": "1", "relation": "analysis"},
     plan_seers("reach")),
    ("plans.act", "POST", "/plans/{PL}/act/submit", {}, plan_seers("reach")),
    ("search.page", "GET", "/search?q=X200", None, everyone()),
    # Saved views, bulk actions, the picker (app.workday): each item checked as it is elsewhere;
    # that nothing of the restricted document reaches outsiders is checked in test_restricted_document_leaks_nowhere.
    ("workday.save_view", "POST", "/views", {"scope": "documents", "name": "mine", "query": "sort=title"},
     everyone()),
    ("workday.delete_view", "POST", "/views/999999/delete", {}, everyone()),
    ("workday.bulk_documents", "POST", "/documents/bulk", {"action": "csv", "ids": "{D}"}, everyone()),
    ("workday.bulk_issues", "POST", "/issues/bulk", {"export": "csv", "ids": "{I}"}, everyone()),
    ("workday.notifications_read", "POST", "/notifications/read", {"ids": "{N}"}, everyone()),
    ("workday.pick", "GET", "/documents/pick?q=X900", None, everyone()),
    ("auth.profile", "GET", "/profile", None, everyone()),
    ("auth.profile", "POST", "/profile", {"name": "cli"}, everyone()),
    ("auth.revoke_token", "POST", "/profile/tokens/{T}/revoke", {}, owner_only()),
    ("auth.logout", "POST", "/logout", {}, everyone("login")),  # back to the login page
    ("auth.change_password", "GET", "/profile/password", None, everyone()),
    ("auth.change_password", "POST", "/profile/password",  # a wrong current password changes nothing
     {"current_password": "not the password", "new_password": "matrix-pass-1", "confirm": "matrix-pass-1"},
     everyone(400)),
    ("admin.users", "GET", "/admin/users", None, admin_only()),
    ("admin.users", "POST", "/admin/users", {"email": "new@x.test", "name": "N", "department": "RD",
                                             "roles": "author", "password": "long enough pw"}, admin_only()),
    ("admin.user_active", "POST", "/admin/users/{U}/active", {"active": "0"}, admin_only()),
    ("admin.user_roles", "POST", "/admin/users/{U}/roles", {"roles": "qc"}, admin_only()),
    ("admin.departments", "GET", "/admin/departments", None, admin_only()),
    ("admin.departments", "POST", "/admin/departments", {"code": "NEW", "name": "New"}, admin_only()),
    ("backup.index", "GET", "/admin/backups/", None, admin_only()),
    ("backup.create", "POST", "/admin/backups/", {}, admin_only()),
    # JSON API
    ("api_documents.list_documents", "GET", "/api/v1/documents", None, everyone()),
    ("api_documents.create_document", "POST", "/api/v1/documents", _doc_form, everyone("reach")),
    ("api_documents.get_document", "GET", "/api/v1/documents/{D}", None, insiders_only()),
    ("api_documents.get_document", "GET", "/api/v1/documents/{P}", None, everyone()),
    ("api_documents.patch_document", "PATCH", "/api/v1/documents/{D}", {"json": {"title": "Renamed"}},
     insiders_only("reach")),
    ("api_documents.diff", "GET", "/api/v1/documents/{D}/diff?from=1&to=2", None, insiders_only()),
    ("api_documents.download_effective", "GET", "/api/v1/documents/{D}/effective", None, insiders_only()),
    ("api_documents.history", "GET", "/api/v1/documents/{D}/history", None, insiders_only()),
    ("api_documents.add_version", "POST", "/api/v1/documents/{D}/versions", _file, insiders_only("reach")),
    ("api_documents.get_version", "GET", "/api/v1/documents/{D}/versions/1", None, insiders_only()),
    ("api_documents.download_version", "GET", "/api/v1/documents/{D}/versions/1/file", None, insiders_only()),
    ("api_approval.version_action", "POST", "/api/v1/documents/{D}/versions/2/actions",
     {"json": {"action": "submit"}}, insiders_only("reach")),
    ("api_approval.periodic_review", "POST", "/api/v1/documents/{D}/review", {"json": {"password": "x"}},
     insiders_only("reach")),
    ("api_approval.inbox", "GET", "/api/v1/approvals/inbox", None, everyone()),
    ("api_approval.list_notifications", "GET", "/api/v1/notifications", None, everyone()),
    ("api_approval.read_notification", "POST", "/api/v1/notifications/{N}/read", {"json": {}}, owner_only()),
    ("api_issues.list_issues", "GET", "/api/v1/issues", None, everyone()),
    ("api_issues.create_issue", "POST", "/api/v1/issues", {"json": {"title": "t", "phenomenon": "p"}}, everyone()),
    ("api_issues.get_issue", "GET", "/api/v1/issues/{I}", None, everyone()),
    ("api_issues.patch_issue", "PATCH", "/api/v1/issues/{I}", {"json": {"location": "Line 3"}}, everyone("reach")),
    ("api_issues.issue_action", "POST", "/api/v1/issues/{I}/actions",
     {"json": {"action": "triage", "category": "quality", "severity": 2, "department": "RD"}}, everyone("reach")),
    ("api_issues.add_comment", "POST", "/api/v1/issues/{I}/comments", {"json": {"body": "note"}}, everyone("reach")),
    ("api_issues.add_link", "POST", "/api/v1/issues/{I}/links",
     {"json": {"document_id": "{D}", "version": 1, "relation": "spec"}}, insiders_only("reach", {403, 404})),
    ("api_issues.delete_link", "DELETE", "/api/v1/issues/{I}/links/{M}", None, insiders_only("reach", {403, 404})),
    ("api_search.similar", "GET", "/api/v1/issues/{I}/similar", None, everyone()),
    ("api_issues.export_issues", "GET", "/api/v1/issues/export.csv", None, everyone()),
    ("api_issues.issue_metrics", "GET", "/api/v1/issues/metrics", None, everyone()),
    ("api_search.search", "GET", "/api/v1/search?q=X200", None, everyone()),
    ("api_issues.add_reply", "POST", "/api/v1/issues/{I}/replies", {"json": {"text": "r"}}, everyone("reach")),
    ("api_issues.add_follow_up", "POST", "/api/v1/issues/{I}/follow-ups", {"json": {"score": 5}},
     everyone("reach")),
    ("api_plans.list_plans", "GET", "/api/v1/plans", None, everyone()),
    ("api_plans.plan_metrics", "GET", "/api/v1/plans/metrics", None, everyone()),
    ("api_plans.create_plan", "POST", "/api/v1/plans", {"json": {"title": "t"}}, everyone()),
    ("api_plans.get_plan", "GET", "/api/v1/plans/{PL}", None, plan_seers()),
    ("api_plans.patch_plan", "PATCH", "/api/v1/plans/{PL}", {"json": {"goal": "g"}}, plan_seers("reach")),
    ("api_plans.add_measure", "POST", "/api/v1/plans/{PL}/measures",
     {"json": {"type": "corrective", "description": "d", "owner_id": 1, "due_date": "2999-01-01"}},
     plan_seers("reach")),
    ("api_plans.patch_measure", "PATCH", "/api/v1/plans/{PL}/measures/{PM}", {"json": {"progress": "p"}},
     plan_seers("reach")),
    ("api_plans.plan_action", "POST", "/api/v1/plans/{PL}/actions", {"json": {"action": "submit"}},
     plan_seers("reach")),
    ("api_plans.link_document", "POST", "/api/v1/plans/{PL}/documents",
     {"json": {"document_id": "{P}", "version": 1, "relation": "analysis"}}, plan_seers("reach")),
    ("api_backups.list_backups", "GET", "/api/v1/backups", None, admin_only()),
    ("api_backups.create_backup", "POST", "/api/v1/backups", {"json": {}}, admin_only()),
    ("api_documents.download_version", "GET", "/api/v1/documents/{D}/versions/1/file?original=true", None,
     {**insiders_only("ok"), "leader": 403}),
    ("api_document_control.list_patterns", "GET", "/api/v1/numbering/patterns", None, everyone()),
    ("api_document_control.set_pattern", "PUT", "/api/v1/numbering/patterns",
     {"json": {"category": "market", "doc_type": "*", "pattern": "MK-{{seq:03d}}"}}, admin_only()),
    ("api_document_control.plan", "PATCH", "/api/v1/documents/{D}/versions/2", {"json": {"change_reason": "x"}},
     insiders_only("reach")),
    ("api_document_control.check_out", "POST", "/api/v1/documents/{D}/checkout", {"json": {}},
     insiders_only("reach")),
    ("api_document_control.check_in", "DELETE", "/api/v1/documents/{D}/checkout", None, insiders_only("reach")),
    ("documents.check_out", "POST", "/documents/{D}/checkout", {}, insiders_only("reach")),
    ("documents.check_in", "POST", "/documents/{D}/checkin", {}, insiders_only("reach")),
    ("training.acknowledge", "POST", "/documents/{D}/acknowledge", {}, insiders_only("reach")),
    ("training.readers", "POST", "/documents/{D}/readers", {"departments": "RD"}, insiders_only("reach")),
    ("training.document_csv", "GET", "/documents/{D}/acknowledgements.csv", None,
     {**insiders_only(), "author": 403}),
    ("training.record", "GET", "/training", None, everyone()),
    ("training.record", "GET", "/users/{U}/training", None,
     {p: ("ok" if p in ("qc", "admin", "leader") else 404) for p in PERSONAS if p != "anon"}),
    ("training.person_csv", "GET", "/users/{U}/training.csv", None,
     {p: ("ok" if p in ("qc", "admin", "leader") else 404) for p in PERSONAS if p != "anon"}),
    ("api_training.set_readers", "PUT", "/api/v1/documents/{D}/readers", {"json": {"departments": ["RD"]}},
     {**insiders_only(), "author": 403}),
    ("api_training.acknowledgements", "GET", "/api/v1/documents/{D}/acknowledgements", None, insiders_only()),
    ("api_training.acknowledge", "POST", "/api/v1/documents/{D}/acknowledgements", {"json": {}},
     insiders_only(409)),
    ("api_training.my_training", "GET", "/api/v1/training", None, everyone()),
    ("api_training.acknowledgements_csv", "GET", "/api/v1/documents/{D}/acknowledgements.csv", None,
     {**insiders_only(), "author": 404}),
    ("api_document_control.list_relations", "GET", "/api/v1/documents/{D}/relations", None, insiders_only()),
    ("api_document_control.add_relation", "POST", "/api/v1/documents/{D}/relations",
     {"json": {"target_id": "{P}", "type": "references"}}, insiders_only("reach")),
    ("api_document_control.remove_relation", "DELETE", "/api/v1/documents/{D}/relations/999", None,
     insiders_only(404)),
    ("documents.relate", "POST", "/documents/{D}/relations", {"type": "references", "number": "x"},
     insiders_only("reach")),
    ("api_issue_relations.list_relations", "GET", "/api/v1/issues/{I}/relations", None, everyone()),
    ("api_issue_relations.add_relation", "POST", "/api/v1/issues/{I}/relations",
     {"json": {"target_id": 999, "type": "related"}}, everyone(400)),
    ("api_saved_searches.list_saved", "GET", "/api/v1/saved-searches", None, everyone()),
    ("api_saved_searches.create_saved", "POST", "/api/v1/saved-searches",
     {"json": {"name": "mine", "query": {"q": "X200"}}}, everyone("reach")),
    ("api_saved_searches.delete_saved", "DELETE", "/api/v1/saved-searches/999", None, everyone(404)),
    ("api_document_control.audit_verify", "GET", "/api/v1/audit/verify", None, admin_only()),
    ("api_document_control.record", "GET", "/api/v1/documents/{D}/record.zip", None, admin_only()),
    # Issue 19: attachments of reports (readable by all who may read the report), the OCR admin page.
    ("issues.attach", "POST", "/issues/{I}/attachments", _file, everyone("reach")),
    ("issues.attachment_file", "GET", "/issues/{I}/attachments/999", None, everyone(404)),
    ("api_attachments.add_attachment", "POST", "/api/v1/issues/{I}/attachments", _file, everyone("reach")),
    ("api_attachments.list_attachments", "GET", "/api/v1/issues/{I}/attachments", None, everyone()),
    ("api_attachments.download_attachment", "GET", "/api/v1/issues/{I}/attachments/999/file", None,
     everyone(404)),
    ("ocr_admin.index", "GET", "/admin/ocr", None, admin_only()),
    # Previews: the download's permission (no preview is made in this world: 404 past the permission).
    ("previews.thumbnail", "GET", "/documents/{D}/versions/1/thumbnail.png", None, insiders_only(404)),
    ("previews.page", "GET", "/documents/{D}/versions/1/pages/1.png", None, insiders_only(404)),
    ("ocr_admin.retry", "POST", "/admin/ocr/999/retry", {}, {p: (404 if p == "admin" else 403)
                                                           for p in PERSONAS if p != "anon"}),

    # Issue 16: bell, watching, delegation.
    ("followup.read_all", "POST", "/notifications/read-all", {}, everyone()),
    ("followup.preferences", "GET", "/notifications/preferences", None, everyone()),
    ("followup.meetings", "GET", "/meetings", None, everyone()),
    ("followup.new_meeting", "GET", "/meetings/new", None,
     {p: ("ok" if p in ("head", "leader", "admin", "qc") else 403) for p in PERSONAS if p != "anon"}),
    ("followup.new_meeting", "POST", "/meetings/new", {"quarter": "bad"},
     {p: ("ok" if p in ("head", "leader", "admin", "qc") else 403) for p in PERSONAS if p != "anon"}),
    ("followup.meeting", "GET", "/meetings/999", None, everyone(404)),
    ("followup.plan_from_decision", "POST", "/meetings/decisions/999/plan", {}, everyone(404)),
    ("followup.preferences", "POST", "/notifications/preferences", {"approvals": "daily"}, everyone()),
    ("followup.toggle_watch", "POST", "/watch/document/{D}", {"on": "1"}, insiders_only()),
    ("followup.toggle_watch", "POST", "/watch/document/{P}", {"on": "1"}, everyone()),
    ("followup.delegations", "GET", "/delegations", None, everyone()),
    ("followup.delegations", "POST", "/delegations", {"deputy": "1", "starts_on": "2999-01-01", "ends_on": "2999-01-02"},
     {p: ("reach" if p in ("head", "leader") else 403) for p in PERSONAS if p != "anon"}),
    ("followup.revoke_delegation", "POST", "/delegations/999/revoke", {}, everyone(404)),
    ("followup.generate_report", "POST", "/reports/monthly", {"month": "2026-13"},
     {p: ("ok" if p in ("leader", "admin", "qc") else 403) for p in PERSONAS if p != "anon"}),
    ("followup.assessment_page", "GET", "/assessment", None,
     {p: ("ok" if p in ("head", "leader", "admin", "qc") else 403) for p in PERSONAS if p != "anon"}),
    ("api_followup.assessment", "GET", "/api/v1/assessment", None,
     {p: ("ok" if p in ("head", "leader", "admin", "qc") else 403) for p in PERSONAS if p != "anon"}),
    ("api_followup.read_all", "POST", "/api/v1/notifications/read-all", {"json": {}}, everyone()),
    ("api_followup.set_watch", "PUT", "/api/v1/watch/document/{D}", {"json": {"watching": True}}, insiders_only()),
    ("api_followup.generate_report", "POST", "/api/v1/reports/monthly", {"json": {"month": "2026-13"}},
     {p: (400 if p in ("leader", "admin", "qc") else 403) for p in PERSONAS if p != "anon"}),
]
PUBLIC = [  # no login needed, same answer for everybody
    ("auth.login", "GET", "/login"), ("auth.login", "POST", "/login"), ("auth.set_language", "POST", "/language/en"),
    ("api_health.health", "GET", "/api/v1/health"), ("api-docs.openapi_json", "GET", "/api/v1/openapi.json"),
    ("static", "GET", "/static/css/app.css"),
]


def test_every_route_is_in_the_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in ROUTES} | {(e, m) for e, m, _ in PUBLIC}
    missing = []
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == [], "routes without a row in the permission matrix"


def _fill(value, world):
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _call(client, world, method, path, body, token):
    """HTML routes through the logged-in browser session; API routes with
    the persona's Bearer token from a client that has no session cookie."""
    path = _fill(path, world)
    headers = {}
    if path.startswith("/api/"):
        client = client.application.test_client()
        if token:
            headers = {"Authorization": f"Bearer {token}"}
    kwargs = {}
    if callable(body):
        kwargs = {"data": body(), "content_type": "multipart/form-data"}
    elif isinstance(body, dict) and "json" in body:
        kwargs = {"json": _fill(body["json"], world)}
    elif isinstance(body, dict):
        kwargs = {"data": _fill(body, world)}
    return client.open(path, method=method, headers=headers, **kwargs)


def _outcome(response) -> str | int:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return "login" if "/login" in response.headers.get("Location", "") else "ok"
    if status == 401:
        # A signature refused for its password got past authentication and visibility.
        code = (response.get_json(silent=True) or {}).get("error", {}).get("code")
        return 401 if code in ("wrong_password", "reauthentication_required") else "login"
    if 200 <= status < 300:
        return "ok"
    return status


def _matches(outcome, expected) -> bool:
    if expected == "reach":
        return outcome not in ("login", 404)
    if isinstance(expected, set):
        return outcome in expected
    return outcome == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(app, client, persona):
    world = build_world()
    token = None
    if persona != "anon":
        from app.auth.service import create_token

        user = world["users"][persona]
        token = create_token(user, "matrix")
        db.session.commit()
        response = client.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
        assert response.status_code == 302
    wrong = []
    # Logout ends the session: run it last.
    for _endpoint, method, path, body, expected in sorted(ROUTES, key=lambda r: r[0] == "auth.logout"):
        want = "login" if persona == "anon" else expected[persona]
        response = _call(client, world, method, path, body, token)
        got = _outcome(response)
        if not _matches(got, want):
            wrong.append(f"{method} {_fill(path, world)}: expected {want}, got {got} "
                         f"{response.get_data(as_text=True)[:120]!r}")
    for _endpoint, method, path in PUBLIC:
        if _call(client, world, method, path, {} if method == "POST" else None, token).status_code >= 500:
            wrong.append(f"{method} {path}: 5xx")
    assert wrong == []
    if persona not in INSIDERS:
        # Neither the HTML nor the API link/unlink routes touched the restricted document's link.
        from app.issues.models import IssueLink

        links = db.session.scalars(select(IssueLink).where(IssueLink.issue_id == world["I"])).all()
        assert sorted(link.id for link in links if link.version.document_id == world["D"]) == [world["L"], world["M"]]


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"anon"}))
def test_restricted_document_leaks_nowhere(app, client, api_as, persona):
    world = build_world()
    user = world["users"][persona]
    api = api_as(user)
    inside = persona in INSIDERS
    title = "Restricted X900 thermal design"

    found = api.get(f"/search?q={SECRET}").json
    assert (found["total"] > 0) == inside
    assert any(item["id"] == world["D"] for item in found["items"] if item["kind"] == "document") == inside
    # Facet counts over a query both documents match: the restricted one counts only for insiders.
    both = api.get("/search?q=thermal OR manual&kind=document").json
    counted = sum(both["facets"]["category"].values())
    assert counted == both["total"], both["facets"]
    assert any(item["id"] == world["D"] for item in both["items"]) == inside
    # Outsiders count only the public manual; insiders also the restricted design (its author
    # and reviewer see its draft as a second hit).
    assert counted == 1 if not inside else counted >= 2, both["facets"]

    listed = api.get("/documents?per_page=100").json
    assert any(doc["id"] == world["D"] for doc in listed["items"]) == inside
    assert listed["total"] == (2 if inside else 1)

    issue = api.get(f"/issues/{world['I']}").json
    assert any(link["document_id"] == world["D"] for link in issue["links"]) == inside
    # Nor does the report's history name it (the link events of the restricted document).
    named = [e for e in issue["history"] if (e.get("details") or {}).get("document_id") == world["D"]]
    assert bool(named) == inside
    client.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
    for page in (f"/issues/{world['I']}", "/documents/", "/", f"/search?q={SECRET}", "/issues/export.csv"):
        html = client.get(page).get_data(as_text=True)
        assert (title in html) == inside or page in ("/", "/issues/export.csv"), page
        if not inside:
            assert title not in html, page
            assert SECRET not in html or page.startswith("/search"), page  # the search box echoes the query
    # The picker, and a ZIP or CSV of a selection naming it, give outsiders nothing of it.
    picked = client.get("/documents/pick?q=X900").get_json()["items"]
    assert any(item["id"] == world["D"] for item in picked) == inside
    exported = client.post("/documents/bulk", data={"action": "csv", "ids": [world["D"], world["P"]]})
    assert (title in exported.data.decode("utf-8-sig")) == inside
    zipped = zipfile.ZipFile(io.BytesIO(client.post("/documents/bulk", data={"action": "zip", "ids": [world["D"]]}).data))
    assert any(SECRET.encode() in zipped.read(name) for name in zipped.namelist()) == inside
