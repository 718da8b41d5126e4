"""The only writer of the index: drains the outbox, rebuilds from scratch.

Every change that affects search appended an ``index_outbox`` row in its
own transaction. The indexer takes a file lock (one writer at a time,
released by the OS if the holder dies), reads the pending rows, re-reads
each object's *current* state from the database (so replaying a row is
harmless), writes one batch, commits the index, and only then deletes the
rows it applied. A crash anywhere leaves rows that the next run replays.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload
from whoosh import index as whoosh_index

from app.documents.models import Document, DocumentVersion, VersionState
from app.extensions import db
from app.improvement.models import Plan
from app.issues.models import Issue
from app.search import index
from app.search.models import IndexOutbox

UNDER_WAY = (VersionState.draft, VersionState.in_review, VersionState.pending_approval)


def _naive_utc(value: datetime | None) -> datetime:
    value = value or datetime.now(UTC)
    return value.astimezone(UTC).replace(tzinfo=None)


def _body(version: DocumentVersion) -> str:
    """The version's text, then its Word comments (after the text, so the
    highlight offsets of the text stay those of ``version.text``)."""
    comments = "\n".join(c.get("text", "") for c in version.comments or [])
    return (version.text or "") + ("\n\n" + comments if comments else "")


def _document_fields(document: Document, version: DocumentVersion, variant: str) -> dict:
    return {
        "key": f"document:{document.id}:{variant}",
        "kind": "document",
        "variant": variant,
        "object_id": document.id,
        "version": version.number,
        # The number first, one exact token (RD-MAN-0012): a search for it finds the document.
        "title": f"{document.number} {document.title}" if document.number else document.title,
        "body": _body(version),
        "category": document.category,
        "doc_type": document.doc_type,
        "department": document.department.code,
        "product": document.product or "",
        "state": version.state,
        "severity": "",
        "source": "",
        "confidentiality": document.confidentiality,
        "author_id": str(version.author_id),
        "updated": _naive_utc(version.effective_at or version.created_at),
    }


def document_entries(document: Document | None, document_id: int) -> dict[str, dict | None]:
    """Index entries of a document: its effective version, and its newest
    version still under way (visible to its author and reviewers only).
    A None value means: delete that entry."""
    entries: dict[str, dict | None] = {
        f"document:{document_id}:effective": None,
        f"document:{document_id}:draft": None,
    }
    if document is None:
        return entries
    effective = document.effective_version
    if effective is not None:
        entries[f"document:{document_id}:effective"] = _document_fields(document, effective, "effective")
    latest = document.versions[-1] if document.versions else None
    if latest is not None and latest.state in UNDER_WAY:
        entries[f"document:{document_id}:draft"] = _document_fields(document, latest, "draft")
    return entries


def issue_text(issue: Issue) -> str:
    parts = [
        issue.phenomenon,
        issue.location,
        issue.scope,
        issue.customer_ref,
        issue.found_by,
        issue.analysis,
        issue.resolution,
    ] + [c.body for c in issue.comments]
    # Attached photos and scans, read by OCR (app.issues.attachments).
    parts += [a.text for a in getattr(issue, "attachments", [])]
    return "\n".join(p for p in parts if p)


def issue_entries(issue: Issue | None, issue_id: int) -> dict[str, dict | None]:
    key = f"issue:{issue_id}"
    if issue is None:
        return {key: None}
    return {
        key: {
            "key": key,
            "kind": "issue",
            "variant": "",
            "object_id": issue.id,
            "version": 0,
            "title": issue.title,
            "body": issue_text(issue),
            "category": issue.category or "",
            "doc_type": "",
            "department": issue.department.code if issue.department else "",
            "product": issue.product or "",
            "state": issue.state,
            "severity": str(issue.severity or ""),
            "source": issue.source,
            "confidentiality": "internal",
            "author_id": str(issue.reported_by_id),
            "updated": _naive_utc(issue.updated_at),
        }
    }


def plan_text(plan: Plan) -> str:
    """What a plan is found by: its statement, cause, goal and actions.
    (A customer's contact details live on reports only, never here.)"""
    parts = [plan.problem, plan.root_cause, plan.goal, plan.features, plan.approach, plan.test_plan]
    parts += [m.description + ("\n" + m.progress if m.progress else "") for m in plan.measures]
    return "\n".join(p for p in parts if p)


def plan_entries(plan: Plan | None, plan_id: int) -> dict[str, dict | None]:
    key = f"plan:{plan_id}"
    if plan is None:
        return {key: None}
    return {
        key: {
            "key": key,
            "kind": "plan",
            "variant": "",
            "object_id": plan.id,
            "version": 0,
            "title": plan.title,
            "body": plan_text(plan),
            "category": plan.kind,
            "doc_type": "",
            "department": plan.department.code,
            "product": plan.product or "",
            "state": plan.state,
            "severity": "",
            "source": "",
            "confidentiality": "internal",
            "author_id": str(plan.created_by_id),
            "updated": _naive_utc(plan.updated_at),
        }
    }


# kind -> (model, its index entries); every indexed kind is listed here.
MODELS: dict[str, tuple[Any, Callable[..., dict[str, dict | None]]]] = {
    "document": (Document, document_entries),
    "issue": (Issue, issue_entries),
    "plan": (Plan, plan_entries),
}


def entries_for(session: Session, kind: str, object_id: int) -> dict[str, dict | None]:
    model, entries_of = MODELS[kind]
    return entries_of(session.get(model, object_id), object_id)


def _apply(writer, entries: dict[str, dict | None]) -> None:
    for key, fields in entries.items():
        if fields is None:
            writer.delete_by_term("key", key)
        else:
            writer.update_document(**fields)


def _lock(config) -> FileLock:
    root = index.index_root(config)
    root.mkdir(parents=True, exist_ok=True)
    return FileLock(str(root / "writer.lock"))


def _drain_locked(config, batch_size: int) -> int:
    if not index.schema_is_current(config):
        # The live index has an older schema: rebuild it (lock already held).
        raise _SchemaOutdated
    done = 0
    with Session(db.engine) as session:
        while True:
            rows = session.execute(
                select(IndexOutbox.id, IndexOutbox.kind, IndexOutbox.object_id)
                .order_by(IndexOutbox.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return done
            targets = dict.fromkeys((kind, object_id) for _, kind, object_id in rows)
            writer = index.open_current(config).writer(limitmb=64)
            try:
                for kind, object_id in targets:
                    _apply(writer, entries_for(session, kind, object_id))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            # Only rows applied above are removed; newer ones wait their turn.
            session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_([r[0] for r in rows])))
            session.commit()
            session.expunge_all()
            done += len(rows)


def drain(config, *, batch_size: int = 500, wait: bool = True) -> int:
    """Apply pending outbox rows; returns how many. With ``wait=False`` it
    returns 0 at once when another process is writing."""
    lock = _lock(config)
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        return 0
    try:
        return _drain_locked(config, batch_size)
    except _SchemaOutdated:
        lock.release()
        result = rebuild(config)
        lock.acquire()
        return result["outbox_applied"] + result["outbox_covered"]
    finally:
        lock.release()


class _SchemaOutdated(Exception):
    """The live index was built with an older schema version."""


def _batches(session: Session, model, batch: int, after: int = 0) -> Iterator[list]:
    last = after
    if model is Document:
        options = [selectinload(Document.versions), selectinload(Document.department)]
    elif model is Plan:
        options = [selectinload(Plan.measures)]
    else:
        options = [selectinload(Issue.comments), selectinload(Issue.department)]
    while True:
        rows = session.scalars(
            select(model).where(model.id > last).order_by(model.id).limit(batch).options(*options)
        ).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id
        session.expunge_all()  # bounded memory: drop the batch before the next


REBUILD_STATE = "REBUILD.json"


def _read_state(root: Path) -> dict | None:
    try:
        state = json.loads((root / REBUILD_STATE).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if state.get("schema") != index.SCHEMA_VERSION or not (root / state.get("name", "")).is_dir():
        return None
    return state


def _write_state(root: Path, state: dict) -> None:
    tmp = root / (REBUILD_STATE + ".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, root / REBUILD_STATE)


def _start_state(root: Path) -> dict:
    name = f"index-{int(time.time() * 1000)}"
    index.create_in(root / name)
    with Session(db.engine) as session:
        # Rows committed before the build reads anything are covered by it.
        # Only these exact ids are dropped afterwards, never "all below the
        # highest id": a transaction that took a lower id may commit later,
        # and its row must still be applied.
        covered = list(session.scalars(select(IndexOutbox.id)))
    state = {
        "name": name,
        "schema": index.SCHEMA_VERSION,
        "covered": covered,
        "after": {kind: 0 for kind in MODELS},
        "counts": {kind: 0 for kind in MODELS},
    }
    _write_state(root, state)
    return state


def rebuild(config, *, batch_size: int = 500, commit_every: int = 20000, progress=None) -> dict:
    """Build a new index beside the live one from the database, swap, and
    catch up with the outbox. Searches keep using the old index meanwhile;
    changes made during the rebuild wait in the outbox (the writer lock is
    held) and are applied right after the swap.

    Resumable: every ``commit_every`` objects the new index is committed
    and ``REBUILD.json`` records how far it got; a rebuild started after a
    kill continues from there. ``progress(done, total)`` is called per batch.
    """
    started = time.monotonic()
    root = index.index_root(config)
    root.mkdir(parents=True, exist_ok=True)
    with _lock(config):
        old = index.current_dir(config)
        state = _read_state(root)
        resumed = state is not None
        if state is None:
            state = _start_state(root)
        name = state["name"]
        ix = whoosh_index.open_dir(str(root / name), schema=index.SCHEMA)
        with Session(db.engine) as session:
            total = sum(state["counts"].values()) + sum(
                session.scalar(select(func.count(model.id)).where(model.id > state["after"].get(kind, 0)))
                or 0
                for kind, (model, _) in MODELS.items()
            )
        done = sum(state["counts"].values())
        if progress:
            progress(done, total)
        writer = ix.writer(limitmb=256)
        pending = 0
        try:
            with Session(db.engine) as session:
                for kind, (model, entries_of) in MODELS.items():
                    state["after"].setdefault(kind, 0)
                    state["counts"].setdefault(kind, 0)
                    after = state["after"][kind]
                    batches = (
                        _batches(session, model, batch_size, after)
                        if after
                        else _batches(session, model, batch_size)
                    )
                    for rows in batches:
                        for row in rows:
                            _apply_new(writer, entries_of(row, row.id))
                        state["after"][kind] = rows[-1].id
                        state["counts"][kind] += len(rows)
                        pending += len(rows)
                        done += len(rows)
                        if progress:
                            progress(done, total)
                        if pending >= commit_every:
                            writer.commit(merge=False)
                            _write_state(root, state)
                            writer, pending = ix.writer(limitmb=256), 0
            writer.commit(merge=False)
        except BaseException:
            # Keep what was committed: the next rebuild resumes from REBUILD.json.
            writer.cancel()
            raise
        index.swap_to(config, name)
        (root / REBUILD_STATE).unlink(missing_ok=True)
        index.searchers.clear()
        covered = state["covered"]
        with Session(db.engine) as session:
            for start in range(0, len(covered), 1000):
                session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(covered[start : start + 1000])))
            session.commit()
        applied = _drain_locked(config, 500)
        if old is not None and old.exists() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
        for stale in root.glob("index-*"):  # builds abandoned by an older schema
            if stale.is_dir() and stale.name != name:
                shutil.rmtree(stale, ignore_errors=True)
    return {
        **state["counts"],
        "outbox_applied": applied,
        "outbox_covered": len(covered),
        "resumed": resumed,
        "seconds": round(time.monotonic() - started, 2),
    }


def _apply_new(writer, entries: dict[str, dict | None]) -> None:
    for fields in entries.values():
        if fields is not None:
            writer.add_document(**fields)


_entry_counts: dict[tuple[str, str], int] = {}


def _entry_count(path: Path) -> int | None:
    """Documents in the index at ``path``, cached per index generation (its
    newest TOC file): opening an index costs ~200 ms, listing its folder
    microseconds. The health check calls this on every request."""
    tocs = sorted(
        (f for f in os.listdir(path) if f.endswith(".toc")),
        key=lambda f: int(f.rsplit("_", 1)[-1].split(".")[0]) if f.rsplit("_", 1)[-1][:-4].isdigit() else -1,
    )
    if not tocs:
        return None
    key = (str(path), tocs[-1])
    if key not in _entry_counts:
        ix = whoosh_index.open_dir(str(path), schema=None)
        _entry_counts.clear()
        _entry_counts[key] = ix.doc_count()
    return _entry_counts[key]


def status(config) -> dict:
    with Session(db.engine) as session:
        lag, oldest = session.execute(
            select(func.count(IndexOutbox.id), func.min(IndexOutbox.created_at))
        ).one()
    path = index.current_dir(config)
    entries = _entry_count(path) if path is not None and Path(path).exists() else None
    oldest_age = None
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        oldest_age = round((datetime.now(UTC) - oldest).total_seconds(), 1)
    return {
        "index_lag": lag,
        "oldest_pending_seconds": oldest_age,
        "entries": entries,
        "index_dir": str(path) if path else None,
    }


def check(config) -> dict:
    """Compare the index with the database: entries missing from the index,
    entries the database no longer has, and entries whose version, state or
    title differ (stale). Empty lists mean the index agrees."""
    expected: dict[str, tuple] = {}
    with Session(db.engine) as session:
        for model, entries_of in MODELS.values():
            for rows in _batches(session, model, 500):
                for row in rows:
                    for key, fields in entries_of(row, row.id).items():
                        if fields is not None:
                            expected[key] = (fields["version"], fields["state"], fields["title"])
    actual: dict[str, tuple] = {}
    ix = index.open_current(config, create=False)
    if ix is not None:
        with ix.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                actual[stored["key"]] = (stored.get("version"), stored.get("state"), stored.get("title"))
    return {
        "expected": len(expected),
        "indexed": len(actual),
        "missing": sorted(set(expected) - set(actual)),
        "extra": sorted(set(actual) - set(expected)),
        "stale": sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k]),
    }
