"""Searching: one box over documents and problem reports, with filters,
facets, highlights, and permissions applied inside the query (before
paging and facet counting), plus "similar past reports"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from html import escape

from flask import current_app
from sqlalchemy import select, tuple_
from sqlalchemy.orm import lazyload, selectinload
from whoosh.qparser import AndGroup, MultifieldParser
from whoosh.query import And, DateRange, Every, Or, Prefix, Term

from app import limits
from app.auth.models import Department, User
from app.documents import policy as document_policy
from app.documents.models import DocumentVersion
from app.errors import N_, DomainError, ValidationFailed
from app.extensions import db
from app.improvement import policy as plan_policy
from app.improvement.models import Plan
from app.issues import policy as issue_policy
from app.issues.models import Issue
from app.policy import AnyOf, FieldIn, to_whoosh
from app.search import executor, highlight, index
from app.search.analysis import _RUNS
from app.search.indexer import issue_text, plan_text

FACETS = ("kind", "category", "doc_type", "department", "product", "state", "severity")
FILTERS = FACETS
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_RUNS}]")
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_QUOTED = re.compile(r'"[^"]*"')
_SYNTAX = re.compile(r'[()"\[\]{}^~*?:+\-!]')


def _term_for(user: User):
    """Index terms for the policy's fields: the index names departments by
    code and keeps ids as text."""

    def term_for(field: str, value) -> Term:
        if field == "department_id":
            department = db.session.get(Department, value)  # the identity map holds the user's
            return Term("department", department.code if department else "")
        return Term(field, str(value))

    return term_for


def permission_query(user: User):
    """What ``user`` may find: the documents', the reports' and the plans'
    own rules (app.documents.policy, app.issues.policy,
    app.improvement.policy) rendered as one query."""
    rule = AnyOf(
        (
            FieldIn("kind", ("document",)) & document_policy.SEARCH_RULE,
            FieldIn("kind", ("issue",)) & issue_policy.ISSUE_RULE,
            FieldIn("kind", ("plan",)) & plan_policy.PLAN_RULE,
        )
    )
    return to_whoosh(rule, user, _term_for(user))


def normalise_query(text: str) -> str:
    """Inside quotes, spaces between Chinese words are not separators: a
    phrase "產品 質量" means 產品質量."""
    return _QUOTED.sub(lambda m: _SPACE_IN_CJK.sub("", m.group()), text or "").strip()


def parse(text: str):
    text = normalise_query(text)
    if not text:
        return Every()
    parser = MultifieldParser(["title", "body"], index.SCHEMA, group=AndGroup)
    try:
        return _one_character_terms(parser.parse(text))
    except (IndexError, ValueError, RecursionError):
        # Whoosh's parser trips on some operator soups ("NOT NOT ... x"): read
        # the words alone, without operators or grouping, rather than fail.
        words = [w for w in _SYNTAX.sub(" ", text).split() if w.upper() not in ("AND", "OR", "NOT", "ANDNOT")]
        if not words:
            return Every()
        return _one_character_terms(parser.parse(" ".join(words)))


def _one_character_terms(q):
    """A one-character Chinese (kana, Hangul...) term is indexed as a unigram
    only at the end of a run; elsewhere it starts a bigram."""
    if isinstance(q, Term) and q.fieldname in ("title", "body") and len(q.text) == 1 and _RUN.match(q.text):
        return Or([q, Prefix(q.fieldname, q.text, boost=q.boost)])
    if q.is_leaf():
        return q
    return q.apply(_one_character_terms)


class QueryTooLong(DomainError):
    code = "query_too_long"


class TooManyTerms(DomainError):
    code = "too_many_terms"


class SearchTooSlow(DomainError):
    code = "search_timeout"


def check_query(text: str | None) -> None:
    """The bounds of a search text, whoever calls: characters and words."""
    text = text or ""
    if len(text) > limits.SEARCH_QUERY:
        raise QueryTooLong(
            N_("The search is longer than %(limit)s characters; shorten it."),
            field="q",
            limit=limits.SEARCH_QUERY,
        )
    if len(text.split()) > limits.SEARCH_TERMS:
        raise TooManyTerms(
            N_("The search has more than %(limit)s words; use fewer."), field="q", limit=limits.SEARCH_TERMS
        )


@dataclass
class SearchArgs:
    q: str = ""
    kind: str | None = None
    category: str | None = None
    doc_type: str | None = None
    department: str | None = None
    product: str | None = None
    state: str | None = None
    severity: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10


def _filters(args: SearchArgs) -> list:
    terms = [
        Term(name, str(getattr(args, name))) for name in FILTERS if getattr(args, name) not in (None, "")
    ]
    if args.date_from or args.date_to:
        start = datetime.combine(args.date_from, time.min) if args.date_from else None
        end = datetime.combine(args.date_to, time.max) if args.date_to else None
        terms.append(DateRange("updated", start, end))
    return terms


def marked_html(highlighted: str, plain: str) -> str:
    """The one rule for titles and snippets shown as HTML: text is escaped
    and only the highlighter's <mark> is added (``highlight.mark`` builds
    it that way); without a highlight the plain text is escaped (never
    passed through a tag allow-list)."""
    return highlighted or escape(plain)


def _original_texts(hits) -> dict[str, str]:
    """The indexed text of each hit, read back from the database (the index
    does not store bodies)."""
    texts: dict[str, str] = {}
    versions = [(h["object_id"], h["version"]) for h in hits if h["kind"] == "document"]
    if versions:
        # The hit versions only, not every version of the hit documents.
        rows = db.session.execute(
            select(DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.text).where(
                tuple_(DocumentVersion.document_id, DocumentVersion.number).in_(versions)
            )
        ).all()
        by_pair = {(r[0], r[1]): r[2] for r in rows}
        for h in hits:
            if h["kind"] == "document":
                texts[h["key"]] = by_pair.get((h["object_id"], h["version"]), "")
    issue_ids = [h["object_id"] for h in hits if h["kind"] == "issue"]
    if issue_ids:
        for issue in db.session.scalars(
            # What issue_text reads, one query per collection (the
            # attachments are loaded with their report by default).
            select(Issue)
            .where(Issue.id.in_(issue_ids))
            .options(selectinload(Issue.comments).options(lazyload("*")))
        ):
            texts[f"issue:{issue.id}"] = issue_text(issue)
    plan_ids = [h["object_id"] for h in hits if h["kind"] == "plan"]
    if plan_ids:
        for plan in db.session.scalars(select(Plan).where(Plan.id.in_(plan_ids))):
            texts[f"plan:{plan.id}"] = plan_text(plan)
    return texts


def search(user: User, args: SearchArgs) -> dict:
    if args.sort not in ("relevance", "date"):
        raise ValidationFailed(N_("sort must be relevance or date"), field="sort")
    check_query(args.q)
    timeout_ms = current_app.config["SEARCH_TIMEOUT_MS"]
    try:
        return _search(user, args, timeout_ms / 1000)
    except executor.TooSlow:
        raise SearchTooSlow(
            N_("The search took longer than %(seconds)s s; use more specific words or filters."),
            field="q",
            seconds=f"{timeout_ms / 1000:g}",
        ) from None
    finally:
        executor.end_deadline()


def _search(user: User, args: SearchArgs, timeout_s: float) -> dict:
    text_query = parse(args.q)
    searcher = index.searchers.get(current_app.config)
    # The permission and filter queries are Whoosh queries like any other;
    # the executor turns them into document masks cached per index generation.
    found = executor.run(
        searcher,
        text_query,
        [permission_query(user), *_filters(args)],
        facets=FACETS,
        page=args.page,
        per_page=args.per_page,
        sort_by_date=args.sort == "date" or not args.q.strip(),
        timeout_s=timeout_s,
    )
    hits = [
        {**searcher.stored_fields(docnum), "_score": score}
        for docnum, score in zip(found.docnums, found.scores, strict=True)
    ]
    texts = _original_texts(hits)
    runs, words = highlight.query_terms(text_query) if args.q.strip() else (set(), set())
    items = []
    for hit in hits:
        executor.check_deadline()
        snippets = highlight.fragments(texts.get(hit["key"], ""), runs, words) if runs or words else []
        title = highlight.highlight_title(hit["title"], runs, words) if runs or words else ""
        items.append(
            {
                "kind": hit["kind"],
                "id": hit["object_id"],
                "title": hit["title"],
                # highlight.mark() escapes all text and adds only <mark>: no
                # sanitiser pass needed (bleach was 60% of a search request).
                "title_html": marked_html(title, hit["title"]),
                "score": round(hit["_score"] or 0.0, 4),
                "highlights": snippets,
                # Pages of a scanned (OCR) document where the terms occur.
                "pages": highlight.hit_pages(texts.get(hit["key"], ""), runs, words) if runs or words else [],
                "category": hit.get("category") or None,
                "doc_type": hit.get("doc_type") or None,
                "department": hit.get("department") or None,
                "product": hit.get("product") or None,
                "state": hit.get("state"),
                "severity": int(hit["severity"]) if hit.get("severity") else None,
                "variant": hit.get("variant") or None,
                "version": hit.get("version") or None,
                "updated": hit["updated"].replace(tzinfo=UTC).isoformat() if hit.get("updated") else None,
            }
        )
    return {
        "items": items,
        "total": found.total,
        "total_exact": found.total_exact,
        "page": args.page,
        "per_page": args.per_page,
        "facets": found.facets,
    }


def mark_terms(text: str, q: str) -> str | None:
    """``text`` as HTML with the terms of query ``q`` in <mark> (a search
    result opened from the list); None when none of them occurs."""
    runs, words = highlight.query_terms(parse(q))
    spans = highlight.hit_spans(text, runs, words) if runs or words else []
    return highlight.mark(text, spans) if spans else None


def similar_issues(user: User, issue_id: int, limit: int = 5) -> list[dict]:
    """Past reports, problem analyses and plans most like this report."""
    searcher = index.searchers.get(current_app.config)
    docnum = searcher.document_number(key=f"issue:{issue_id}")
    issue = db.session.get(Issue, issue_id)
    if docnum is None or issue is None:
        return []
    scope = And(
        [
            permission_query(user),
            Or(
                [
                    Term("kind", "issue"),
                    Term("kind", "plan"),
                    And([Term("kind", "document"), Term("doc_type", "problem_analysis")]),
                ]
            ),
        ]
    )
    results = searcher.more_like(
        docnum, "body", text=issue_text(issue) + "\n" + issue.title, top=limit + 1, numterms=12, filter=scope
    )
    similar = []
    for hit in results:
        if hit["key"] == f"issue:{issue_id}":
            continue
        similar.append(
            {
                "kind": hit["kind"],
                "id": hit["object_id"],
                "title": hit["title"],
                "state": hit.get("state"),
                "score": round(hit.score, 4),
            }
        )
    return similar[:limit]
