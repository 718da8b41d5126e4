"""Documents, their immutable versions, and the blobs holding their bytes."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.db import UTCDateTime, utcnow
from app.extensions import Model


class Category(enum.StrEnum):
    technical = "technical"
    quality = "quality"
    market = "market"
    customer = "customer"


DOC_TYPES: dict[str, tuple[str, ...]] = {
    "technical": ("spec", "design", "white_paper", "manual", "other"),
    "quality": ("inspection_report", "problem_analysis", "improvement_plan", "other"),
    "market": ("market_research", "sales_analysis", "competitor_analysis", "other"),
    "customer": ("feedback_record", "complaint_report", "satisfaction_survey", "other"),
}
ALL_DOC_TYPES = tuple(sorted({t for types in DOC_TYPES.values() for t in types}))


class Confidentiality(enum.StrEnum):
    internal = "internal"
    restricted = "restricted"  # owning department + leaders + admins


class VersionState(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    pending_approval = "pending_approval"
    effective = "effective"
    rejected = "rejected"
    withdrawn = "withdrawn"
    obsolete = "obsolete"
    # Finally approved, waiting for its planned effective date (effective_on);
    # the scheduler makes it effective at the start of that day.
    approved = "approved"


class RevisionScheme(enum.StrEnum):
    letters = "letters"  # Rev A, B, ... Z, AA
    numbers = "numbers"  # Rev 1, 2, ...


def revision_label(number: int, scheme: str) -> str:
    """The revision of the ``number``-th version: A, B, ... Z, AA, AB (letters) or 1, 2 (numbers)."""
    if scheme == RevisionScheme.numbers:
        return str(number)
    label = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Blob(Model):
    """One stored file, addressed by its sha256; shared by identical versions."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(Model):
    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint(_in("category", Category), name="category_known"),
        CheckConstraint(_in("confidentiality", Confidentiality), name="confidentiality_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The document number from the pattern of its category and type
    # (app.documents.numbering), unique, given at creation and never changed.
    number: Mapped[str] = mapped_column(String(60), unique=True)
    revision_scheme: Mapped[str] = mapped_column(
        String(10), default=RevisionScheme.letters, server_default="letters"
    )
    title: Mapped[str] = mapped_column(String(300), index=True)  # lists sort by it
    category: Mapped[str] = mapped_column(String(20), index=True)
    doc_type: Mapped[str] = mapped_column(String(40), index=True)
    product: Mapped[str] = mapped_column(String(100), default="", index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    important: Mapped[bool] = mapped_column(default=False)
    confidentiality: Mapped[str] = mapped_column(String(20), default="internal")
    review_interval_months: Mapped[int | None]
    review_due: Mapped[date | None] = mapped_column(index=True)
    # The last time the document was reviewed: made effective, or a periodic
    # review record ("reviewed, no change"); the next review counts from it.
    reviewed_on: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)
    # Checked out by an author editing it elsewhere (app.documents.checkout):
    # nobody else uploads a version until it is checked in or the lock broken.
    checked_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    checked_out_by: Mapped[User | None] = relationship(foreign_keys=[checked_out_by_id])
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )

    @property
    def effective_version(self) -> DocumentVersion | None:
        for version in self.versions:
            if version.state == VersionState.effective:
                return version
        return None

    @property
    def approved_version(self) -> DocumentVersion | None:
        """The version approved and waiting for its effective date, if any."""
        for version in self.versions:
            if version.state == VersionState.approved:
                return version
        return None

    @property
    def revision(self) -> str | None:
        """The effective version's revision label (None before one takes effect)."""
        version = self.effective_version
        return version.revision if version is not None else None

    @property
    def label(self) -> str:
        """How the document is named: its number and, once effective, its revision."""
        revision = self.revision
        return f"{self.number} Rev {revision}" if revision else self.number

    @property
    def latest_version(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None

    def version(self, number: int) -> DocumentVersion | None:
        for version in self.versions:
            if version.number == number:
                return version
        return None


class DocumentVersion(Model):
    __tablename__ = "document_version"
    __table_args__ = (
        UniqueConstraint("document_id", "number", name="uq_document_version_number"),
        CheckConstraint(_in("state", VersionState), name="state_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        # At most one effective version per document, enforced by the
        # database: two approvers racing cannot both make one effective.
        Index(
            "uq_document_version_one_effective",
            "document_id",
            unique=True,
            sqlite_where=text("state = 'effective'"),
            postgresql_where=text("state = 'effective'"),
        ),
        # The dashboard counts a user's versions by state.
        Index("ix_document_version_author_state", "author_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # Loaded when read, not with every version of every listed document
    # (lists, the inbox and the document page never show it; a manual's text
    # can be megabytes and a document has many versions).
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    text_status: Mapped[str] = mapped_column(String(20), default="ok")  # ok | empty | unreliable | failed
    text_encoding: Mapped[str | None] = mapped_column(String(20))
    page_count: Mapped[int | None]
    change_note: Mapped[str] = mapped_column(Text, default="")
    # Revisions recorded in the file itself (Word's Track Changes): kind,
    # author, date, old and new text, in document order. The text above is
    # the document with all of them accepted.
    tracked_changes: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Word comments (author, date, text, anchor, resolved), kept out of the text.
    comments: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=VersionState.draft, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Fixed at submission from the document as it was then: the roles that
    # must sign, in order ("dept_head" or "dept_head,leader"). Later
    # metadata edits cannot change a running review.
    approval_route: Mapped[str | None] = mapped_column(String(40))
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    obsolete_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The planned effective date (company time zone): after the final
    # approval the version waits as "approved" until the start of that day.
    effective_on: Mapped[date | None] = mapped_column(index=True)
    # The change request travelling with the version: why it changed, and
    # the other documents it affects (their numbers).
    change_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    affected_documents: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    document: Mapped[Document] = relationship(back_populates="versions")
    author: Mapped[User] = relationship()
    blob: Mapped[Blob] = relationship()

    @property
    def route(self) -> tuple[str, ...]:
        return tuple(self.approval_route.split(",")) if self.approval_route else ()

    @property
    def revision(self) -> str:
        return revision_label(self.number, self.document.revision_scheme or RevisionScheme.letters)

    @property
    def label(self) -> str:
        """The document number with this version's revision: RD-MAN-0012 Rev C."""
        return f"{self.document.number} Rev {self.revision}"

    @property
    def text_extracted(self) -> bool:
        return self.text_status == "ok"

    @property
    def open_comments(self) -> list[dict]:
        return [c for c in self.comments or [] if not c.get("resolved")]

    @property
    def unresolved_markup(self) -> int:
        """Tracked changes and open comments a reviewer should know are
        still in the file."""
        return len(self.tracked_changes or []) + len(self.open_comments)


class NumberPattern(Model):
    """How documents of one category and type are numbered, set by an admin.
    ``doc_type`` "*" is the category's default."""

    __tablename__ = "number_pattern"
    __table_args__ = (UniqueConstraint("category", "doc_type", name="uq_number_pattern_category_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    doc_type: Mapped[str] = mapped_column(String(40))
    pattern: Mapped[str] = mapped_column(String(100))
    revision_scheme: Mapped[str] = mapped_column(String(10), default=RevisionScheme.letters)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NumberSequence(Model):
    """The last number given per pattern prefix ("RD-MAN-"). Incremented in
    the creating transaction under the row's lock: a rollback gives the
    number back, so numbers have no gaps."""

    __tablename__ = "number_sequence"

    prefix: Mapped[str] = mapped_column(String(100), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class RelationType(enum.StrEnum):
    supersedes = "supersedes"
    references = "references"
    implements = "implements"


# How a relation reads from its target's side.
INVERSE = {"supersedes": "superseded_by", "references": "referenced_by", "implements": "implemented_by"}


class DocumentRelation(Model):
    """A typed link from one document to another; shown from both sides."""

    __tablename__ = "document_relation"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "type", name="uq_document_relation_source_target_type"),
        CheckConstraint(_in("type", RelationType), name="type_known"),
        CheckConstraint("source_id <> target_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Document] = relationship(foreign_keys=[source_id])
    target: Mapped[Document] = relationship(foreign_keys=[target_id])
