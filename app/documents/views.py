"""Document pages: list, upload, detail, text, diff, download."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import hooks, limits
from app.auth.models import Department
from app.documents import service
from app.documents.diff import side_by_side
from app.documents.downloads import send_version
from app.documents.forms import (
    CATEGORY_LABELS,
    CONFIDENTIALITY_LABELS,
    DOC_TYPE_LABELS,
    DocumentForm,
    VersionForm,
)
from app.documents.models import DOC_TYPES, Category, VersionState
from app.errors import DomainError
from app.extensions import db
from app.request_args import int_arg, text_arg

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.app_context_processor
def _labels():
    return {
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "DOC_TYPE_LABELS": DOC_TYPE_LABELS,
        "CONFIDENTIALITY_LABELS": CONFIDENTIALITY_LABELS,
        "VersionState": VersionState,
    }


def _departments():
    return db.session.scalars(select(Department).order_by(Department.code)).all()


@bp.get("/")
@login_required
def index():
    flt = service.DocumentFilter(
        **{
            key: text_arg(key, limits.SEARCH_QUERY if key == "q" else limits.FILTER)
            for key in ("category", "doc_type", "department", "product", "state", "q", "review")
        }
    )
    from app.workday.listing import Paging, choice_arg, per_page_arg

    page = int_arg("page", 1)
    per_page = per_page_arg()
    sort = choice_arg("sort", service.DOCUMENT_SORTS, service.DEFAULT_DOCUMENT_SORT)
    items, total = service.list_documents(
        current_user, flt, page=page, per_page=per_page, sort=sort, authors=False
    )
    return render_template(
        "documents/list.html",
        documents=items,
        total=total,
        page=page,
        per_page=per_page,
        paging=Paging(page, per_page, total),
        sort=sort,
        flt=flt,
        departments=_departments(),
        categories=list(Category),
        doc_types=DOC_TYPES,
        states=list(VersionState),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = DocumentForm()
    form.department.choices = [(d.code, f"{d.code} {d.name}") for d in _departments()]
    if request.method == "GET":
        form.department.data = current_user.department.code
    if form.validate_on_submit():
        fields = service.DocumentFields(
            title=form.title.data,
            category=form.category.data,
            doc_type=form.doc_type.data,
            department=form.department.data,
            product=form.product.data,
            important=form.important.data,
            confidentiality=form.confidentiality.data,
            review_interval_months=form.review_interval_months.data,
        )
        upload = service.Upload(form.file.data.stream, form.file.data.filename)
        try:
            document = service.create_document(current_user, fields, upload, form.change_note.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("documents/new.html", form=form, doc_types=DOC_TYPES), exc.status
        db.session.commit()
        flash(_("Document created as a draft."), "success")
        return redirect(url_for("documents.detail", document_id=document.id))
    return render_template("documents/new.html", form=form, doc_types=DOC_TYPES)


@bp.get("/<int:document_id>")
@login_required
def detail(document_id: int):
    document = service.get_document(current_user, document_id)
    panels = [panel(document) for panel in hooks.registered("document_panel")]
    from app.documents import checkout, relations
    from app.documents.policy import can_add_version, can_edit_document

    return render_template(
        "documents/detail.html",
        document=document,
        versions=service.visible_versions(current_user, document),
        panels=[p for p in panels if p],
        may_check_out=can_add_version(current_user, document),
        may_break_lock=checkout.may_break(current_user, document),
        related=relations.related(current_user, document),
        may_relate=can_edit_document(current_user, document),
    )


@bp.route("/<int:document_id>/versions/new", methods=["GET", "POST"])
@login_required
def new_version(document_id: int):
    document = service.get_document(current_user, document_id)
    form = VersionForm()
    if form.validate_on_submit():
        upload = service.Upload(form.file.data.stream, form.file.data.filename)
        try:
            plan = {
                "effective_on": form.effective_on.data,
                "change_reason": form.change_reason.data or "",
                "affected_documents": [
                    n.strip() for n in (form.affected_documents.data or "").split(",") if n.strip()
                ],
            }
            version = service.add_version(current_user, document, upload, form.change_note.data, plan)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("documents/new_version.html", form=form, document=document), exc.status
        db.session.commit()
        flash(_("Version %(number)s uploaded as a draft.", number=version.number), "success")
        return redirect(url_for("documents.detail", document_id=document.id))
    return render_template("documents/new_version.html", form=form, document=document)


@bp.get("/<int:document_id>/versions/<int:number>")
@login_required
def version(document_id: int, number: int):
    version = service.get_version(current_user, document_id, number)
    marked = None
    if request.args.get("hl") and version.text:
        # A search result opened: the search feature marks its terms (app.hooks "text_marker").
        for mark_terms in hooks.registered("text_marker"):
            marked = mark_terms(version.text, request.args["hl"])
    return render_template(
        "documents/version.html", document=version.document, version=version, marked=marked
    )


@bp.get("/<int:document_id>/versions/<int:number>/file")
@login_required
def download(document_id: int, number: int):
    return send_version(
        service.get_version(current_user, document_id, number),
        current_user,
        original=request.args.get("original") in ("1", "true"),
    )


@bp.get("/<int:document_id>/effective")
@login_required
def effective(document_id: int):
    return send_version(service.effective_version(current_user, document_id), current_user)


@bp.get("/<int:document_id>/diff")
@login_required
def diff(document_id: int):
    old, new, result = service.diff_versions(current_user, document_id, int_arg("from"), int_arg("to"))
    mode = "side" if request.args.get("mode") == "side" else "inline"
    return render_template(
        "documents/diff.html",
        document=old.document,
        old=old,
        new=new,
        result=result,
        rows=side_by_side(result) if mode == "side" else None,
        mode=mode,
    )


@bp.get("/<int:document_id>/history")
@login_required
def history(document_id: int):
    document = service.get_document(current_user, document_id)
    return render_template(
        "documents/history.html",
        document=document,
        events=service.history(current_user, document_id),
    )


@bp.post("/<int:document_id>/checkout")
@login_required
def check_out(document_id: int):
    from app.documents import checkout

    document = service.get_document(current_user, document_id)
    try:
        checkout.check_out(current_user, document)
        db.session.commit()
        flash(_("Checked out: nobody else can upload a version until you check it in."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("documents.detail", document_id=document_id))


@bp.post("/<int:document_id>/checkin")
@login_required
def check_in(document_id: int):
    from app.documents import checkout

    document = service.get_document(current_user, document_id)
    try:
        checkout.check_in(current_user, document, request.form.get("comment", ""))
        db.session.commit()
        flash(_("Checked in."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("documents.detail", document_id=document_id))


@bp.post("/<int:document_id>/relations")
@login_required
def relate(document_id: int):
    from sqlalchemy import select

    from app.documents import relations
    from app.documents.models import Document

    document = service.get_document(current_user, document_id)
    number = (request.form.get("number") or "").strip()[:60]
    target = db.session.scalar(select(Document.id).where(Document.number == number))
    try:
        relations.add_relation(current_user, document, target or 0, request.form.get("type", ""))
        db.session.commit()
        flash(_("Linked to %(number)s.", number=number), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("documents.detail", document_id=document_id))
