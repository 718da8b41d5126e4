"""Full-text search (Whoosh). Web processes only read their node's index;
the change log is applied by the node's ``flask search work`` or, on the
embedded default, right after each request that committed a change."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import hooks
from app.search.models import IndexChange
from app.search.outbox import queue_index


def init_app(app: Flask) -> None:
    from app.documents.signals import document_changed
    from app.improvement.signals import plan_changed
    from app.issues.signals import issue_changed
    from app.search.service import mark_terms

    hooks.register(app, "health_probe", _health)
    hooks.register(app, "text_marker", mark_terms)
    # Connected once per process (blinker keeps one connection per receiver).
    document_changed.connect(_queue_document)
    issue_changed.connect(_queue_issue)
    plan_changed.connect(_queue_plan)

    @app.after_request
    def _drain_after_commit(response):
        if g.pop("search_dirty", False) and current_app.config["SEARCH_INLINE_INDEXING"]:
            from app.search.indexer import drain

            try:
                # Never wait: when another process holds the writer lock, it
                # (or the next request) applies these changes.
                drain(current_app.config, wait=False)
            except Exception:  # noqa: BLE001 - the change is committed; the log keeps it
                current_app.logger.exception(
                    "inline search indexing failed; the change log keeps the changes"
                )
        return response


def _queue_document(document_id: int, **_) -> None:
    queue_index("document", document_id)


def _queue_issue(issue_id: int, **_) -> None:
    queue_index("issue", issue_id)


def _queue_plan(plan_id: int, **_) -> None:
    queue_index("plan", plan_id)


@event.listens_for(Session, "after_flush")
def _note_outbox_rows(session: Session, flush_context) -> None:
    from flask import has_request_context

    if has_request_context() and any(isinstance(obj, IndexChange) for obj in session.new):
        g.search_dirty = True


def _health() -> dict:
    from app.search.indexer import status

    info = status(current_app.config)
    body = {
        "index": info["index"],
        "index_lag": info["index_lag"],
        "index_oldest_pending_seconds": info["oldest_pending_seconds"],
        "node": info["node"],
    }
    if info["index"] == "missing":
        # This node's index was deleted (or never built): searches here find
        # nothing until the indexer or `flask search rebuild` rebuilds it.
        body["status"] = "degraded"
    return body
