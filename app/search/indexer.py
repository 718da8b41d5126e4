"""This node's index writer: applies the change log, rebuilds from scratch.

Every change that affects search appended an ``index_change`` row in its
own transaction (app.search.models). Each application node keeps its own
index and is its only writer: the indexer takes a file lock (one writer per
index directory, released by the OS if the holder dies), reads the settled
rows after the node's cursor (app.search.changelog), re-reads each object's
*current* state from the database (so replaying a row is harmless), writes
one batch, commits the index, then records the new cursor: in ``CURSOR``
beside the index, then in the node's ``index_node`` row. A crash anywhere
replays rows, never skips one. Rows are pruned once every registered node
is past them; a node that cannot catch up from the log (no index yet, a new
node, one dropped after being unseen too long, an older schema) rebuilds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, undefer
from whoosh import index as whoosh_index

from app.documents.models import Document, DocumentVersion, VersionState
from app.extensions import db
from app.improvement.models import Plan
from app.issues.models import Issue
from app.search import changelog, index

log = logging.getLogger(__name__)

UNDER_WAY = (VersionState.draft, VersionState.in_review, VersionState.pending_approval)

# The posting pool of a change-log batch, in MB. A batch adds a few
# entries, but its commit may merge segments, and a merge passes every
# posting of the merged segments through this pool before it spills to a
# sorted run on disk: with 64 MB the indexer's memory rose by the pool at
# each large merge and stayed up (issue 20's soak: +12 %). 16 MB keeps it
# flat for about 7 % more time per batch (bench/indexer_memory.py). A
# rebuild has its own, larger pool.
DRAIN_POOL_MB = 16


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
    effective, draft = _indexed_versions(document)
    if effective is not None:
        entries[f"document:{document_id}:effective"] = _document_fields(document, effective, "effective")
    if draft is not None:
        entries[f"document:{document_id}:draft"] = _document_fields(document, draft, "draft")
    return entries


def _indexed_versions(document: Document) -> tuple[DocumentVersion | None, DocumentVersion | None]:
    """The versions the index holds: the effective one, and the newest if
    it is still under way (visible to its author and reviewers only)."""
    latest = document.versions[-1] if document.versions else None
    return document.effective_version, latest if latest is not None and latest.state in UNDER_WAY else None


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


def _options(model) -> list:
    """What building an object's entries reads besides its row (departments
    are joined by the models themselves; a version's text is loaded by
    ``_with_texts`` for the versions indexed, not for every version)."""
    if model is Document:
        return [selectinload(Document.versions)]
    if model is Plan:
        return [selectinload(Plan.measures)]
    return [selectinload(Issue.comments)]


def _with_texts(session: Session, documents) -> None:
    """Load, in one query, the text of the versions the index holds: a
    document in use has many versions, and each is a manual's worth of text."""
    wanted = [v.id for document in documents for v in _indexed_versions(document) if v is not None]
    if wanted:
        # Fills the deferred text of the versions already in the session.
        session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.id.in_(wanted))
            .options(undefer(DocumentVersion.text))
        ).all()


# Objects loaded at a time when a batch of changes is applied (and held in
# memory at once, each document with the text of up to two versions).
LOAD_CHUNK = 100


def load(session: Session, kind: str, ids: list[int]) -> dict[int, Any]:
    """The objects ``ids`` of ``kind`` with everything their entries need, in
    three queries whatever their number (absent ids: deleted objects)."""
    model, _ = MODELS[kind]
    rows = session.scalars(select(model).where(model.id.in_(ids)).options(*_options(model))).all()
    if model is Document:
        _with_texts(session, rows)
    return {row.id: row for row in rows}


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


CURSOR = "CURSOR"


def read_cursor(path: Path | None) -> changelog.Position | None:
    """The log position the index at ``path`` has applied everything up to
    (written after each index commit); None when there is no such index."""
    if path is None:
        return None
    try:
        txid, row_id = (path / CURSOR).read_text().split()
        return int(txid), int(row_id)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None


def _write_cursor(path: Path, position: changelog.Position) -> None:
    tmp = path / (CURSOR + ".tmp")
    tmp.write_text(f"{position[0]} {position[1]}\n")
    os.replace(tmp, path / CURSOR)


def _node(config) -> str:
    return config["NODE_NAME"]


# When this process last told the database its node is alive / pruned the log.
_last_seen_sent: dict[str, float] = {}
_last_pruned: dict[str, float] = {}
HEARTBEAT_S = 15.0


class _RebuildNeeded(Exception):
    """This node's index cannot be caught up from the log: rebuild it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _local_state(config, session: Session) -> changelog.Position:
    """This node's cursor, or _RebuildNeeded with the reason."""
    if not index.schema_is_current(config):
        raise _RebuildNeeded("the index has an older schema")
    path = index.current_dir(config)
    local = read_cursor(path) if path is not None and path.is_dir() else None
    if local is None:
        raise _RebuildNeeded("there is no index (or it was built before the change log)")
    registered = changelog.node_cursor(session, _node(config))
    if registered is None:
        raise _RebuildNeeded("this node is not registered (new, or dropped after being unseen)")
    if local < registered:
        # The database says this node was further: the index lost work
        # (replaced by an older copy) and the rows between may be pruned.
        raise _RebuildNeeded("the index is behind the node's recorded cursor")
    return local


# Unsettled changes this process has applied ahead of its node's cursor,
# per index directory: not applied again when they settle.
_applied_ahead: dict[str, set[changelog.Position]] = {}


def _drain_locked(config, batch_size: int) -> int:
    node = _node(config)
    done = 0
    with Session(db.engine) as session:
        cursor = start = _local_state(config, session)
        path = index.current_dir(config)
        assert path is not None
        ahead = _applied_ahead.setdefault(str(path), set())
        while True:
            settled, fresh = changelog.read(session, cursor, batch_size)
            session.commit()  # a fresh snapshot for the next read
            todo = [r for r in settled + fresh if (r[0], r[1]) not in ahead]
            if todo:
                targets: dict[str, dict[int, None]] = {}
                for _, _, kind, object_id in todo:
                    targets.setdefault(kind, {})[object_id] = None
                writer = index.open_current(config).writer(limitmb=DRAIN_POOL_MB)
                try:
                    for kind, distinct in targets.items():
                        entries_of = MODELS[kind][1]
                        ids = list(distinct)
                        for at in range(0, len(ids), LOAD_CHUNK):
                            chunk = ids[at : at + LOAD_CHUNK]
                            loaded = load(session, kind, chunk)
                            for object_id in chunk:
                                _apply(writer, entries_of(loaded.get(object_id), object_id))
                            session.expunge_all()  # bounded memory: texts of one chunk at a time
                    index.commit(writer)
                except BaseException:
                    writer.cancel()
                    raise
                session.rollback()
                session.expunge_all()
                ahead.update((r[0], r[1]) for r in fresh)
                done += len(todo)
            if not settled:
                break
            # Index first, then the cursor beside it, then the database: a
            # crash in between replays changes (harmless), never skips one.
            cursor = (settled[-1][0], settled[-1][1])
            ahead.difference_update({p for p in ahead if p <= cursor})
            _write_cursor(path, cursor)
            if not changelog.advance(session, node, cursor):
                raise _RebuildNeeded("this node was dropped from the change log")
            _last_seen_sent[node] = time.monotonic()
            # Under steady load the log never runs dry and this loop never
            # ends: prune as it goes, or the log grows for as long as the
            # load lasts (issue 20's soak: 70,000 rows after 30 minutes).
            if time.monotonic() - _last_pruned.get(node, 0.0) > PRUNE_WHILE_DRAINING_S:
                _prune(config, session, node)
        now = time.monotonic()
        if now - _last_seen_sent.get(node, 0.0) > HEARTBEAT_S:
            if not changelog.advance(session, node, cursor):
                raise _RebuildNeeded("this node was dropped from the change log")
            _last_seen_sent[node] = now
        if cursor != start or now - _last_pruned.get(node, 0.0) > config.get("INDEX_PRUNE_INTERVAL_S", 60):
            _prune(config, session, node)
    return done


# How often a drain that keeps finding new changes prunes the log.
PRUNE_WHILE_DRAINING_S = 10.0


def _prune(config, session: Session, node: str) -> None:
    changelog.prune(session, node, config.get("INDEX_NODE_TIMEOUT_S", 86400))
    _last_pruned[node] = time.monotonic()


# Changes applied per index commit when the log holds more. A commit costs
# far more than a change (a new segment, and merges of the small ones), so
# an indexer that fell behind catches up in large commits: on the load
# test's mix, 500 a commit applied 441 changes a second, 2,000 751 and
# 5,000 1,171 (bench/indexer_drain.py, 4,100-4,400 changes). A node that
# keeps up commits whatever arrived since its last poll.
DRAIN_BATCH = 5000


def drain(config, *, batch_size: int = DRAIN_BATCH, wait: bool = True) -> int:
    """Apply the changes this node has not applied yet; returns how many.
    With ``wait=False`` it returns 0 at once when another process of this
    node is writing. A node that cannot catch up from the log (no index,
    new or dropped node, older schema) rebuilds its index instead."""
    lock = _lock(config)
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        return 0
    try:
        try:
            return _drain_locked(config, batch_size)
        except _RebuildNeeded as need:
            log.warning("search: rebuilding the index of node %s: %s", _node(config), need.reason)
            result = _rebuild_locked(config)
            return result["changes_applied"] + sum(result[kind] for kind in MODELS)
    finally:
        lock.release()


def _batches(session: Session, model, batch: int, after: int = 0) -> Iterator[list]:
    last = after
    while True:
        rows = session.scalars(
            select(model).where(model.id > last).order_by(model.id).limit(batch).options(*_options(model))
        ).all()
        if not rows:
            return
        if model is Document:
            _with_texts(session, rows)
        yield list(rows)
        last = rows[-1].id
        session.expunge_all()  # bounded memory: drop the batch before the next


REBUILD_STATE = "REBUILD.json"


def _read_state(root: Path) -> dict | None:
    try:
        state = json.loads((root / REBUILD_STATE).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if (
        state.get("schema") != index.SCHEMA_VERSION
        or "cursor" not in state
        or not (root / state.get("name", "")).is_dir()
    ):
        return None
    return state


def _write_state(root: Path, state: dict) -> None:
    tmp = root / (REBUILD_STATE + ".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, root / REBUILD_STATE)


def _start_state(config, root: Path) -> dict:
    name = f"index-{int(time.time() * 1000)}"
    index.create_in(root / name)
    with Session(db.engine) as session:
        # Every change up to the head is committed before the build reads
        # anything, so the build covers it; later changes are replayed.
        cursor = changelog.register_at_head(session, _node(config))
    state = {
        "name": name,
        "schema": index.SCHEMA_VERSION,
        "cursor": list(cursor),
        "after": {kind: 0 for kind in MODELS},
        "counts": {kind: 0 for kind in MODELS},
    }
    _write_state(root, state)
    return state


def rebuild(config, *, batch_size: int = 500, commit_every: int = 20000, progress=None) -> dict:
    """Build a new index beside the live one from the database, swap, and
    catch up with the change log. Searches keep using the old index
    meanwhile; other nodes are not affected (each has its own index).

    Resumable: every ``commit_every`` objects the new index is committed
    and ``REBUILD.json`` records how far it got; a rebuild started after a
    kill continues from there. ``progress(done, total)`` is called per batch.
    """
    with _lock(config):
        return _rebuild_locked(config, batch_size=batch_size, commit_every=commit_every, progress=progress)


def _rebuild_locked(config, *, batch_size: int = 500, commit_every: int = 20000, progress=None) -> dict:
    started = time.monotonic()
    root = index.index_root(config)
    root.mkdir(parents=True, exist_ok=True)
    node = _node(config)
    old = index.current_dir(config)
    state = _read_state(root)
    if state is not None:
        with Session(db.engine) as session:
            # Resume only while the log still holds every row after the
            # build's start (this node registered there and not dropped).
            if changelog.node_cursor(session, node) != tuple(state["cursor"]):
                state = None
    resumed = state is not None
    if state is None:
        state = _start_state(config, root)
    name = state["name"]
    cursor: changelog.Position = (state["cursor"][0], state["cursor"][1])
    ix = whoosh_index.open_dir(str(root / name), schema=index.SCHEMA)
    with Session(db.engine) as session:
        total = sum(state["counts"].values()) + sum(
            session.scalar(select(func.count(model.id)).where(model.id > state["after"].get(kind, 0))) or 0
            for kind, (model, _) in MODELS.items()
        )
    done = sum(state["counts"].values())
    if progress:
        progress(done, total)
    writer = ix.writer(limitmb=256)
    pending = 0
    beat = time.monotonic()
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
                    if time.monotonic() - beat > HEARTBEAT_S:
                        # Still alive: a long rebuild must not be dropped from the log.
                        with Session(db.engine) as beat_session:
                            changelog.advance(beat_session, node, cursor)
                        beat = time.monotonic()
                    if pending >= commit_every:
                        writer.commit(merge=False)
                        _write_state(root, state)
                        writer, pending = ix.writer(limitmb=256), 0
        writer.commit(merge=False)
    except BaseException:
        # Keep what was committed: the next rebuild resumes from REBUILD.json.
        writer.cancel()
        raise
    _write_cursor(root / name, cursor)
    index.swap_to(config, name)
    (root / REBUILD_STATE).unlink(missing_ok=True)
    index.searchers.clear()
    applied = _drain_locked(config, DRAIN_BATCH)
    if old is not None and old.exists() and old.name != name:
        shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob("index-*"):  # builds abandoned by an older schema
        if stale.is_dir() and stale.name != name:
            shutil.rmtree(stale, ignore_errors=True)
    return {
        **state["counts"],
        "changes_applied": applied,
        "cursor": list(cursor),
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
    """This node's index: whether it exists and has been built from the
    log (``index``: ok | missing | not built), the changes it has still to apply
    (``index_lag``), the oldest one's age, its size and directory."""
    path = index.current_dir(config)
    exists = path is not None and path.is_dir()
    cursor = read_cursor(path) if exists else None
    with Session(db.engine) as session:
        lag, oldest = changelog.pending(session, cursor or changelog.START)
        registered = changelog.node_cursor(session, _node(config))
    oldest_age = None
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        oldest_age = round((datetime.now(UTC) - oldest).total_seconds(), 1)
    try:
        entries = _entry_count(path) if exists and path is not None else None
    except OSError:
        entries, exists = None, False  # deleted while we looked
    return {
        "node": _node(config),
        # missing: this node had an index (it is registered) and lost it;
        # not built: a new node whose indexer has not built one yet.
        "index": "ok" if exists and cursor is not None else "missing" if registered else "not built",
        "index_lag": lag,
        "oldest_pending_seconds": oldest_age,
        "entries": entries,
        "index_dir": str(path) if path else None,
        "cursor": list(cursor) if cursor else None,
        "registered_cursor": list(registered) if registered else None,
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
