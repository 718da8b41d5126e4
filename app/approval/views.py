"""Approval pages: inbox, actions on the document page, periodic reviews,
notifications, and the dashboard counts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from app import hooks
from app.approval import service
from app.approval.forms import ActionForm, ApproveForm, RejectForm
from app.approval.states import Action, allowed_actions
from app.clock import company_today
from app.documents import service as documents
from app.documents.models import Document
from app.documents.policy import visible_documents_clause
from app.documents.review import review_clause
from app.errors import DomainError, WrongPassword
from app.extensions import db
from app.i18n import format_when
from app.notify import service as notifications

bp = Blueprint("approval", __name__)

STATE_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "pending_approval": _l("Pending approval"),
    "effective": _l("Effective"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "obsolete": _l("Obsolete"),
    "approved": _l("Approved, pending effective"),
}

_FORMS = {"submit": ActionForm, "withdraw": ActionForm, "approve": ApproveForm, "reject": RejectForm}


@bp.get("/approvals/inbox")
@login_required
def inbox():
    items = [(w.version, w.compare_to) for w in service.inbox(current_user)]
    panels = [panel() for panel in hooks.registered("inbox_panel")]
    return render_template("approval/inbox.html", items=items, panels=[p for p in panels if p])


# The comment typed with a refused signature (wrong password, missing
# field), offered again in the same form on the page the user returns to.
_KEPT_COMMENT = "approval.kept_comment"


def _keep_comment(form, document_id: int, key: str) -> None:
    comment = getattr(form, "comment", None)
    if comment is not None and (comment.data or "").strip():
        session[_KEPT_COMMENT] = {"document_id": document_id, "key": key, "comment": comment.data}


def _signed(form, document_id: int, apply, success, key: str = "") -> ResponseReturnValue:
    """Validate ``form``, ``apply()`` it (the service checks state,
    permission, then the re-entered password), commit and flash ``success()``;
    every refusal is flashed, nothing is signed, and the comment typed is
    kept for the form (``key`` names it: "<version number>:<action>")."""
    back = redirect(url_for("documents.detail", document_id=document_id))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        _keep_comment(form, document_id, key)
        return back
    try:
        apply()
    except WrongPassword:
        db.session.rollback()
        flash(_("Wrong password: the decision was not signed."), "error")
        _keep_comment(form, document_id, key)
        return back
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        _keep_comment(form, document_id, key)
        return back
    db.session.commit()
    flash(success(), "success")
    return back


@bp.post("/documents/<int:document_id>/versions/<int:number>/act/<action>")
@login_required
def act(document_id: int, number: int, action: str):
    version = documents.get_version(current_user, document_id, number)
    form_class = _FORMS.get(action)
    if form_class is None:
        service.require_known_action(action)
        abort(404)  # a known action without a page form (none today)
    if action == "withdraw" and request.form.get("confirm") != "yes":
        # One click does not withdraw: a page asks first (works without JavaScript).
        return render_template(
            "confirm.html",
            title=_("Withdraw version %(n)s?", n=version.number),
            question=_(
                "%(document)s v%(n)s goes back out of review; the reviewers' work on it stops. Withdraw it?",
                document=f"{version.document.label} {version.document.title}",
                n=version.number,
            ),
            button=_("Yes, withdraw"),
            action=url_for("approval.act", document_id=document_id, number=number, action="withdraw"),
            cancel=url_for("documents.detail", document_id=document_id),
        )
    form: Any = form_class()
    return _signed(
        form,
        document_id,
        lambda: service.act(
            version,
            action,
            actor=current_user,
            comment=getattr(form, "comment", None) and form.comment.data or "",
            password=form.password.data if hasattr(form, "password") else None,
        ),
        lambda: _(
            "Version %(n)s: %(state)s.",
            n=version.number,
            state=STATE_LABELS.get(version.state, version.state),
        ),
        key=f"{number}:{action}",
    )


@bp.post("/documents/<int:document_id>/review")
@login_required
def periodic_review(document_id: int):
    document = documents.get_document(current_user, document_id)
    form = ApproveForm()
    return _signed(
        form,
        document_id,
        lambda: service.record_review(
            document, actor=current_user, comment=form.comment.data or "", password=form.password.data
        ),
        lambda: _("Periodic review signed. Next review due %(day)s.", day=format_when(document.review_due)),
        key="review",
    )


@bp.get("/approvals/reviews")
@login_required
def reviews():
    from sqlalchemy import func
    from sqlalchemy.orm import selectinload

    from app.request_args import int_arg
    from app.workday.listing import Paging

    which = request.args.get("which", "due")
    today = company_today()
    page = int_arg("page", 1)
    query = select(Document).where(visible_documents_clause(current_user), review_clause(which, today))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # One page at a time, the versions loaded with the page (no query per row).
    rows = db.session.scalars(
        query.options(selectinload(Document.versions))
        .order_by(Document.review_due, Document.id)
        .limit(REVIEWS_PER_PAGE)
        .offset((page - 1) * REVIEWS_PER_PAGE)
    ).all()
    return render_template(
        "approval/reviews.html",
        documents=rows,
        which=which,
        today=today,
        paging=Paging(page, REVIEWS_PER_PAGE, total),
    )


REVIEWS_PER_PAGE = 50


@bp.get("/notifications")
@login_required
def notification_list():
    return render_template(
        "approval/notifications.html", notifications=notifications.for_user(current_user), form=ActionForm()
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int):
    if ActionForm().validate_on_submit():
        if not notifications.mark_read(current_user, notification_id):
            abort(404)  # someone else's notification does not exist for this user
        db.session.commit()
    return redirect(url_for("approval.notification_list"))


def _document_panel(document: Document):
    rows = []
    for version in reversed(documents.visible_versions(current_user, document)):
        ctx = service.context_for(current_user, version)
        actions = [a.value for a in allowed_actions(version.state, ctx)]
        on_behalf_of = None
        if not actions:  # a deputy sees the absent approver's buttons
            on_behalf_of = service.deciding_for(current_user, version, Action.approve)
            if on_behalf_of is not None:
                actions = [a.value for a in service.DELEGABLE]
        rows.append(
            {
                "version": version,
                "actions": actions,
                "on_behalf_of": on_behalf_of,
                "signatures": service.signatures(version),
            }
        )
    forms = {
        "submit": ActionForm(),
        "withdraw": ActionForm(),
        "approve": ApproveForm(),
        "reject": RejectForm(),
        "review": ApproveForm(),
    }
    kept = session.get(_KEPT_COMMENT)
    if kept and kept.get("document_id") == document.id:
        session.pop(_KEPT_COMMENT, None)
        number, _sep, action = str(kept.get("key", "")).partition(":")
        form = forms.get(action or number)
        if form is not None and hasattr(form, "comment"):
            form.comment.data = kept.get("comment", "")
    can_record_review = document.effective_version is not None and service.can_record_review(
        current_user, document
    )
    return "approval/_document_panel.html", {
        "rows": rows,
        "document": document,
        "forms": forms,
        "can_record_review": can_record_review,
    }


def _dashboard_panel():
    return "approval/_dashboard_panel.html", {
        "counts": service.dashboard_counts(current_user),
        "unread": notifications.unread_count(current_user),
    }


def init_app(app) -> None:
    hooks.register(app, "document_panel", _document_panel)
    hooks.register(app, "dashboard_panel", _dashboard_panel)
