"""Document numbers: a pattern per category and type, set by an admin, and a
gap-free sequence per pattern prefix.

A pattern is a format string over ``{dept}`` (owning department code),
``{type}`` (document type code, MAN for manual), ``{cat}`` (category code),
``{product}``, ``{yyyy}`` (year of creation) and exactly one ``{seq}``
(``{seq:04d}`` pads to four digits): ``{dept}-{type}-{seq:04d}`` gives
RD-MAN-0012. Everything but the sequence makes the prefix ("RD-MAN-"),
which has its own counter.

The counter is incremented by an UPDATE in the creating transaction: the
row lock makes concurrent creators wait for each other (PostgreSQL; SQLite
serialises writers anyway), and a rollback gives the number back.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.audit import record_event
from app.auth.models import User
from app.clock import company_today
from app.documents.models import DOC_TYPES, Category, Document, NumberPattern, NumberSequence, RevisionScheme
from app.errors import N_, PermissionDenied, ValidationFailed
from app.extensions import db

DEFAULT_PATTERN = "{dept}-{type}-{seq:04d}"
MAX_NUMBER = 60
MAX_PATTERN = 100
ANY_TYPE = "*"

TYPE_CODES = {
    "spec": "SPC",
    "design": "DES",
    "white_paper": "WPA",
    "manual": "MAN",
    "other": "OTH",
    "inspection_report": "INR",
    "problem_analysis": "PAN",
    "improvement_plan": "IMP",
    "market_research": "MRS",
    "sales_analysis": "SAN",
    "competitor_analysis": "CAN",
    "feedback_record": "FBR",
    "complaint_report": "CPR",
    "satisfaction_survey": "SSV",
}
CATEGORY_CODES = {"technical": "TEC", "quality": "QUA", "market": "MKT", "customer": "CUS"}
FIELDS = ("dept", "type", "cat", "product", "yyyy", "seq")


@dataclass(frozen=True)
class Parts:
    dept: str
    doc_type: str
    category: str
    product: str = ""
    year: int = 2000


def _parse(pattern: str) -> list[tuple[str, str | None, str]]:
    try:
        pieces = [
            (literal, name, spec or "") for literal, name, spec, _conv in string.Formatter().parse(pattern)
        ]
    except ValueError as exc:
        raise ValidationFailed(
            N_("pattern is not a valid format: %(exc)s"), field="pattern", exc=exc
        ) from None
    return pieces


def validate_pattern(pattern: str) -> None:
    if not pattern or len(pattern) > MAX_PATTERN:
        raise ValidationFailed(
            N_("a pattern of 1 to %(MAX_PATTERN)s characters is required"),
            field="pattern",
            MAX_PATTERN=MAX_PATTERN,
        )
    names = [name for _lit, name, _spec in _parse(pattern) if name is not None]
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise ValidationFailed(
            N_("unknown field %(unknown)s in pattern; known: %(known)s"),
            field="pattern",
            unknown="{" + unknown[0] + "}",
            known=", ".join("{" + f + "}" for f in FIELDS),
        )
    if names.count("seq") != 1:
        raise ValidationFailed(N_("the pattern needs exactly one {seq} (e.g. {seq:04d})"), field="pattern")
    for _lit, name, spec in _parse(pattern):
        if name == "seq":
            try:
                format(1, spec)
            except ValueError:
                raise ValidationFailed(
                    N_("{seq:%(spec)s} is not a number format"), field="pattern", spec=spec
                ) from None
        elif name is not None and spec:
            raise ValidationFailed(N_("{%(name)s} takes no format"), field="pattern", name=name)


def _values(parts: Parts) -> dict[str, str]:
    return {
        "dept": parts.dept,
        "type": TYPE_CODES.get(parts.doc_type, parts.doc_type.upper()[:3]),
        "cat": CATEGORY_CODES.get(parts.category, parts.category.upper()[:3]),
        "product": parts.product,
        "yyyy": str(parts.year),
    }


def prefix_of(pattern: str, parts: Parts) -> str:
    """The pattern rendered without its sequence: the key of its counter."""
    values = _values(parts)
    return "".join(
        lit + ("{seq}" if name == "seq" else values[name] if name else "")
        for lit, name, _spec in _parse(pattern)
    )


def render(pattern: str, parts: Parts, seq: int) -> str:
    values = _values(parts)
    return "".join(
        lit + (format(seq, spec) if name == "seq" else values[name] if name else "")
        for lit, name, spec in _parse(pattern)
    )


def pattern_for(category: str, doc_type: str) -> tuple[str, str]:
    """(pattern, revision scheme) for a category and type: the type's own,
    else the category's default, else DEFAULT_PATTERN with letters."""
    rows = db.session.scalars(
        select(NumberPattern).where(
            NumberPattern.category == category, NumberPattern.doc_type.in_((doc_type, ANY_TYPE))
        )
    ).all()
    by_type = {row.doc_type: row for row in rows}
    row = by_type.get(doc_type) or by_type.get(ANY_TYPE)
    if row is None:
        return DEFAULT_PATTERN, RevisionScheme.letters
    return row.pattern, row.revision_scheme


def _ensure_counter(prefix: str) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(NumberSequence).values(prefix=prefix, last=0).on_conflict_do_nothing(index_elements=["prefix"])
    )


def next_in_sequence(prefix: str) -> int:
    """Take the next number of ``prefix`` inside the current transaction:
    one upsert (the counter's first number, or the last one plus one under
    the row's lock)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(NumberSequence).values(prefix=prefix, last=1)
    return db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["prefix"], set_={"last": NumberSequence.last + 1}
        ).returning(NumberSequence.last)
    ).scalar_one()


def assign_number(parts: Parts) -> tuple[str, str]:
    """A new document's number and revision scheme."""
    pattern, scheme = pattern_for(parts.category, parts.doc_type)
    number = render(pattern, parts, next_in_sequence(prefix_of(pattern, parts)))
    if len(number) > MAX_NUMBER:
        raise ValidationFailed(
            N_(
                "the document number %(number)s... would be longer than %(MAX_NUMBER)s characters; shorten the product or the pattern"
            ),
            field="product",
            number=number[:MAX_NUMBER],
            MAX_NUMBER=MAX_NUMBER,
        )
    return number, scheme


def take_given_number(parts: Parts, number: str) -> tuple[str, str]:
    """An imported document's own number (and the revision scheme of its
    pattern). When the number fits the pattern, its counter moves up to it,
    so that documents created later never get the same number."""
    number = (number or "").strip()
    if not number or len(number) > MAX_NUMBER:
        raise ValidationFailed(
            N_("a document number of 1 to %(MAX_NUMBER)s characters is required"),
            field="number",
            MAX_NUMBER=MAX_NUMBER,
        )
    if db.session.scalar(select(Document.id).where(Document.number == number)) is not None:
        raise ValidationFailed(
            N_("document number %(number)s is already taken"), field="number", number=number
        )
    pattern, scheme = pattern_for(parts.category, parts.doc_type)
    prefix = prefix_of(pattern, parts)
    before, _seq, after = prefix.partition("{seq}")
    middle = number[len(before) : len(number) - len(after)] if after else number[len(before) :]
    if number.startswith(before) and number.endswith(after) and middle.isdigit():
        _ensure_counter(prefix)
        db.session.execute(
            update(NumberSequence)
            .where(NumberSequence.prefix == prefix, NumberSequence.last < int(middle))
            .values(last=int(middle))
            .execution_options(synchronize_session=False)
        )
    return number, scheme


def parts_today(dept: str, doc_type: str, category: str, product: str) -> Parts:
    return Parts(dept=dept, doc_type=doc_type, category=category, product=product, year=company_today().year)


def set_pattern(
    actor: User, category: str, doc_type: str, pattern: str, revision_scheme: str = RevisionScheme.letters
) -> NumberPattern:
    """Admins only; applies to documents created from now on (numbers given
    stay). Audited with the old and new pattern."""
    if not actor.has_role("admin"):
        raise PermissionDenied(N_("only an admin may set numbering patterns"))
    if category not in Category.__members__:
        raise ValidationFailed(N_("unknown category %(category)r"), field="category", category=category)
    if doc_type != ANY_TYPE and doc_type not in DOC_TYPES[category]:
        raise ValidationFailed(
            N_("unknown doc_type %(doc_type)r for category %(category)s"),
            field="doc_type",
            doc_type=doc_type,
            category=category,
        )
    if revision_scheme not in RevisionScheme.__members__:
        raise ValidationFailed(N_("revisions are 'letters' or 'numbers'"), field="revisions")
    validate_pattern(pattern)
    row = db.session.scalar(
        select(NumberPattern).where(NumberPattern.category == category, NumberPattern.doc_type == doc_type)
    )
    before = (row.pattern, row.revision_scheme) if row else None
    if row is None:
        row = NumberPattern(category=category, doc_type=doc_type)
        db.session.add(row)
    row.pattern, row.revision_scheme = pattern, revision_scheme
    db.session.flush()
    record_event(
        actor,
        "set_number_pattern",
        row,
        details={
            "category": category,
            "doc_type": doc_type,
            "before": list(before) if before else None,
            "after": [pattern, revision_scheme],
        },
    )
    db.session.flush()
    return row


def patterns() -> list[NumberPattern]:
    return list(
        db.session.scalars(select(NumberPattern).order_by(NumberPattern.category, NumberPattern.doc_type))
    )
