"""Bulk import of a legacy folder: files plus a CSV of their metadata.

Each CSV row (path, number, title, category, type, department, product,
version, effective_date, state) is one file. Rows with the same number are
versions of one document, imported in the order of their ``version``
column. Everything goes through the document service (checks, extraction,
blobs, audit); the state given ("effective", "obsolete", else draft) is set
by the importer and audited as an ``import_state`` event.

Resumable: a state file records each done row by path and sha256, and a
row whose file is already a version of its document is skipped too, so a
re-run after an interruption (or with a lost state file) adds no duplicate.
Each row is committed on its own; a refused row is rolled back and
reported, and the import goes on with the next.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select, update

from app.audit import record_event
from app.auth.models import User
from app.auth.service import user_by_email
from app.documents import numbering, service, signals
from app.documents.models import Document, DocumentVersion, VersionState
from app.documents.review import mark_reviewed
from app.errors import N_, DomainError, PermissionDenied, ValidationFailed
from app.extensions import db

STATE_FILE = ".doctrack-import.json"
COLUMNS = (
    "path",
    "number",
    "title",
    "category",
    "type",
    "department",
    "product",
    "version",
    "effective_date",
    "state",
)
IMPORT_STATES = ("draft", "effective", "obsolete")


class RowRefused(DomainError):
    """A row that cannot be imported (missing file, bad date, ...)."""


@dataclass
class Row:
    line: int
    path: str
    number: str
    title: str
    category: str
    doc_type: str
    department: str
    product: str
    version: int
    effective_date: str
    state: str


@dataclass
class Outcome:
    row: Row
    status: str  # "imported" | "skipped" | "refused"
    message: str = ""


@dataclass
class Summary:
    imported: int = 0
    skipped: int = 0
    refused: list[Outcome] = field(default_factory=list)


def read_mapping(mapping: Path) -> list[Row]:
    """The rows of the CSV, grouped by document number (first appearance
    order) and by version within a document."""
    with open(mapping, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c
            for c in ("path", "title", "category", "type", "department")
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise ValidationFailed(
                N_("the mapping has no column %(missing)r; expected %(value)s"),
                missing=missing[0],
                value=", ".join(COLUMNS),
            )
        rows = []
        for line, raw in enumerate(reader, start=2):
            value = {k: (v or "").strip() for k, v in raw.items() if k}
            try:
                version = int(value.get("version") or 1)
            except ValueError:
                version = 0  # refused when imported
            rows.append(
                Row(
                    line=line,
                    path=value.get("path", ""),
                    number=value.get("number", ""),
                    title=value.get("title", ""),
                    category=value.get("category", ""),
                    doc_type=value.get("type", ""),
                    department=value.get("department", ""),
                    product=value.get("product", ""),
                    version=version,
                    effective_date=value.get("effective_date", ""),
                    state=(value.get("state") or "draft").lower(),
                )
            )
    order: dict[str, int] = {}
    keyed = []
    for index, row in enumerate(rows):
        key = row.number or f"\0{index}"  # no number: a document of its own
        order.setdefault(key, index)
        keyed.append((order[key], row.version, index, row))
    return [row for *_key, row in sorted(keyed, key=lambda k: k[:3])]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ImportState:
    """Done rows by path and sha256, saved after each row."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, str] = {}
        if path.exists():
            try:
                self.done = dict(json.loads(path.read_text(encoding="utf-8")).get("done", {}))
            except (ValueError, AttributeError):
                self.done = {}

    def is_done(self, rel: str, sha256: str) -> bool:
        return self.done.get(rel) == sha256

    def mark(self, rel: str, sha256: str) -> None:
        self.done[rel] = sha256
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": self.done}, indent=1), encoding="utf-8")
        tmp.replace(self.path)


def import_admin(email: str) -> User:
    user = user_by_email(email)
    if not user.has_role("admin"):
        raise PermissionDenied(
            N_("%(user_email)s is not an admin; the import needs an admin (--as)"), user_email=user.email
        )
    return user


def _parse_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowRefused(N_("bad effective_date %(text)r; expected YYYY-MM-DD"), text=text) from None


def _check_row(row: Row, root: Path) -> date | None:
    file = root / row.path
    if not row.path:
        raise RowRefused(N_("no path"))
    if not file.resolve().is_relative_to(root.resolve()):
        raise RowRefused(N_("%(row_path)s is outside the imported folder"), row_path=row.path)
    if not file.is_file():
        raise RowRefused(N_("missing file %(row_path)s"), row_path=row.path)
    if row.version < 1:
        raise RowRefused(N_("version must be a whole number from 1"))
    if row.state not in IMPORT_STATES:
        raise RowRefused(
            N_("unknown state %(row_state)r; expected one of %(value)s"),
            row_state=row.state,
            value=", ".join(IMPORT_STATES),
        )
    if len(row.number) > numbering.MAX_NUMBER:
        raise RowRefused(
            N_("number is longer than %(numbering_MAX_NUMBER)s characters"),
            numbering_MAX_NUMBER=numbering.MAX_NUMBER,
        )
    when = _parse_date(row.effective_date)
    if row.state == VersionState.effective and when is None:
        raise RowRefused(N_("an effective version needs an effective_date"))
    return when


def _set_state(actor: User, version: DocumentVersion, state: str, when: date | None) -> None:
    if state == VersionState.draft:
        return
    moment = datetime.combine(when, time(0, 0), tzinfo=UTC) if when else datetime.now(UTC)
    document = version.document
    if state == VersionState.effective:
        current = document.effective_version
        if current is not None and current.number > version.number:
            raise RowRefused(
                N_("version %(current_number)s is already effective"), current_number=current.number
            )
        db.session.execute(
            update(DocumentVersion)
            .where(
                DocumentVersion.document_id == document.id,
                DocumentVersion.state == VersionState.effective,
                DocumentVersion.id != version.id,
            )
            .values(state=VersionState.obsolete, obsolete_at=moment)
            .execution_options(synchronize_session=False)
        )
        for sibling in document.versions:
            if sibling.id != version.id:
                db.session.expire(sibling)
        version.state = VersionState.effective
        version.effective_at = moment
        version.effective_on = when
        if when is not None:
            mark_reviewed(document, when)
    else:
        version.state = VersionState.obsolete
        version.obsolete_at = moment
    db.session.flush()
    record_event(
        actor,
        "import_state",
        version,
        from_state=VersionState.draft,
        to_state=state,
        details={"number": version.number, "effective_date": str(when) if when else None},
    )
    signals.document_changed.send(document.id)


def import_row(actor: User, root: Path, row: Row) -> DocumentVersion | None:
    """Import one row (not committed). None when its file is already a
    version of its document."""
    file = root / row.path
    when = _check_row(row, root)
    fields = service.DocumentFields(
        title=row.title,
        category=row.category,
        doc_type=row.doc_type,
        department=row.department,
        product=row.product,
    )
    sha256 = sha256_of(file)
    document = (
        db.session.scalar(select(Document).where(Document.number == row.number)) if row.number else None
    )
    note = f"imported from {row.path}"
    with open(file, "rb") as handle:
        upload = service.Upload(handle, file.name)
        if document is None:
            document = service.create_document(
                actor, fields, upload, change_note=note, number=row.number or None
            )
            version = document.versions[0]
        else:
            if any(v.sha256 == sha256 for v in document.versions):
                return None
            version = service.add_version(actor, document, upload, change_note=note)
    record_event(
        actor,
        "import",
        version,
        details={"path": row.path, "number": document.number, "sha256": sha256, "version": row.version},
    )
    _set_state(actor, version, row.state, when)
    return version


def run_import(
    actor_email: str,
    root: Path,
    rows: list[Row],
    state: ImportState,
    report: Callable[[Outcome], None] = lambda outcome: None,
) -> Iterator[Outcome]:
    """Import ``rows`` one by one, committing each; yields each outcome."""
    actor_id = import_admin(actor_email).id
    for row in rows:
        actor = db.session.get(User, actor_id)
        assert actor is not None
        file = root / row.path
        try:
            digest = sha256_of(file) if row.path and file.is_file() else ""
            if digest and state.is_done(row.path, digest):
                outcome = Outcome(row, "skipped", "already done")
            else:
                version = import_row(actor, root, row)
                db.session.commit()
                state.mark(row.path, digest)
                outcome = Outcome(
                    row,
                    "skipped" if version is None else "imported",
                    "already imported" if version is None else "",
                )
        except DomainError as exc:
            db.session.rollback()
            outcome = Outcome(row, "refused", exc.message)
        except OSError as exc:  # an unreadable file
            db.session.rollback()
            outcome = Outcome(row, "refused", f"cannot read {row.path}: {exc.strerror or exc}")
        report(outcome)
        yield outcome


def summarize(outcomes: list[Outcome]) -> Summary:
    summary = Summary()
    for outcome in outcomes:
        if outcome.status == "imported":
            summary.imported += 1
        elif outcome.status == "skipped":
            summary.skipped += 1
        else:
            summary.refused.append(outcome)
    return summary
