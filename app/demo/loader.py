"""``flask demo``: load the demo data set through the services (idempotent).

Everything goes through the same services as real use (uploads, approval,
problem-report workflow), so the demo shows real versions, diffs, audit
trails and search entries. Running it again changes nothing.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.auth import service as auth_service
from app.auth.models import Department, User
from app.clock import company_today
from app.demo import content
from app.demo.files import make_docx, make_markdown, make_pdf
from app.documents import service as doc_service
from app.documents.models import Document
from app.extensions import db

_SUFFIX = {"docx": ".docx", "pdf": ".pdf", "md": ".md", "txt": ".txt"}


def _file_bytes(spec: dict, version: dict) -> bytes:
    fmt, title, blocks = spec["format"], spec["title"], version["blocks"]
    if fmt == "docx":
        return make_docx(title, blocks, header=spec.get("header", ""), footer=spec.get("footer", ""))
    if fmt == "pdf":
        return make_pdf(title, blocks, lang=spec["lang"])
    if fmt == "md":
        return make_markdown(title, blocks)
    text = "\n".join(
        [title, ""] + [b if isinstance(b, str) else b[1] for b in blocks if not isinstance(b, list)]
    )
    # Plain-text demo files in the legacy encoding of their script, as such
    # files arrive in practice (Big5 / GB18030); extraction detects it.
    legacy = {"zh-Hant": "big5", "zh-Hans": "gb18030"}.get(spec["lang"], "utf-8")
    try:
        return text.encode(legacy)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _departments() -> None:
    for dept in content.DEMO_DEPARTMENTS:
        if db.session.scalar(select(Department).where(Department.code == dept["code"])) is None:
            auth_service.create_department(dept["code"], dept["name"])
    db.session.commit()


def _users() -> list[tuple[str, str, list[str]]]:
    credentials = []
    for spec in content.DEMO_USERS:
        existing = db.session.scalar(select(User).where(User.email == spec["email"]))
        if existing is None:
            auth_service.create_user(
                str(spec["email"]),
                name=str(spec["name"]),
                department_code=str(spec["department"]),
                roles=list(spec["roles"]),
                password=str(spec["password"]),
            )
        credentials.append((str(spec["email"]), str(spec["password"]), list(spec["roles"])))
    db.session.commit()
    return credentials


def _user(email: str) -> User:
    return auth_service.user_by_email(email)


def _approvers(document: Document) -> list[User]:
    heads = [
        u
        for u in db.session.scalars(select(User)).all()
        if u.has_role("dept_head") and u.department_id == document.department_id
    ]
    leaders = [u for u in db.session.scalars(select(User)).all() if u.has_role("leader")]
    return heads[:1] + (leaders[:1] if document.important else [])


def _approve(document: Document, version, author: User) -> None:
    try:
        from app.approval.service import act
    except ImportError:  # approval not installed in this build
        return
    act(version, "submit", actor=author)
    for approver in _approvers(document):
        act(version, "approve", actor=approver, comment="demo approval", system=True)


def _documents() -> dict[str, Document]:
    by_key = {}
    for spec in content.DEMO_DOCUMENTS:
        existing = db.session.scalar(select(Document).where(Document.title == spec["title"]))
        if existing is not None:
            by_key[spec["key"]] = existing
            continue
        author = _user(spec["author"])
        versions = spec["versions"]
        first = versions[0]
        filename = spec["key"] + _SUFFIX[spec["format"]]
        document = doc_service.create_document(
            author,
            doc_service.DocumentFields(
                title=spec["title"],
                category=spec["category"],
                doc_type=spec["doc_type"],
                department=spec["department"],
                product=spec.get("product", ""),
                important=spec.get("important", False),
                confidentiality=spec.get("confidentiality", "internal"),
            ),
            doc_service.Upload(io.BytesIO(_file_bytes(spec, first)), filename),
            first.get("change_note", ""),
        )
        approve_up_to = spec.get("approve_up_to", 0)
        for number, version_spec in enumerate(versions, start=1):
            if number > 1:
                version = doc_service.add_version(
                    author,
                    document,
                    doc_service.Upload(io.BytesIO(_file_bytes(spec, version_spec)), filename),
                    version_spec.get("change_note") or f"version {number}",
                )
            else:
                version = document.versions[0]
            if number <= approve_up_to:
                _approve(document, version, author)
        _after_versions(document, spec, author)
        if spec.get("review_due_in_days") is not None and document.review_due is not None:
            # Show the periodic-review pages with something overdue and due soon.
            document.review_due = company_today() + timedelta(days=spec["review_due_in_days"])
        db.session.commit()
        by_key[spec["key"]] = document
    return by_key


def _after_versions(document: Document, spec: dict, author: User) -> None:
    """Leave the last version submitted or rejected when the spec says so."""
    try:
        from app.approval.service import act
    except ImportError:
        return
    last = document.versions[-1]
    final = spec.get("final_state")
    if final in ("in_review", "rejected") and last.state == "draft":
        act(last, "submit", actor=author)
        if final == "rejected":
            head = _approvers(document)[0]
            act(
                last,
                "reject",
                actor=head,
                comment=spec.get("reject_comment", "請補充測試數據。"),
                system=True,
            )


def _issues(documents: dict[str, Document]) -> None:
    try:
        from app.demo.issues import load_issues
    except ImportError:
        return
    load_issues(getattr(content, "DEMO_ISSUES", []), documents)
    db.session.commit()


def _plans(documents: dict[str, Document]) -> None:
    try:
        from app.demo.plans import load_plans
    except ImportError:
        return
    load_plans(documents)


def load_demo() -> list[tuple[str, str, list[str]]]:
    current_app.logger.info("loading demo data")
    _departments()
    credentials = _users()
    documents = _documents()
    _issues(documents)
    _plans(documents)
    from app.search.indexer import drain

    drain(current_app.config)
    return credentials


def parse_date(value: str) -> datetime:
    return datetime.fromisoformat(value)
