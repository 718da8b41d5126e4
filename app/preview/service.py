"""Previews made once per blob in the background.

A row per blob is queued with the upload (``version_stored``); the worker
(``flask ocr worker``, which also runs without Tesseract) claims rows with
one atomic UPDATE under a lease, like OCR jobs, and writes the files under
``<storage>/previews/ab/<sha256>/``. Pages ask for the files of a version
they already let the user open (same permission as the download).
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select, update

from app.db import utcnow
from app.documents.models import DocumentVersion
from app.extensions import db
from app.preview import render
from app.preview.models import Preview
from app.storage import get_store

log = logging.getLogger(__name__)
PREVIEWABLE = (render.PDF, render.DOCX, *render.IMAGES, *render.TEXTS)


def folder(sha256: str) -> Path:
    store = get_store()
    store.path(sha256)  # validates the digest: no user input reaches the path
    return Path(current_app.config["STORAGE_DIR"]) / "previews" / sha256[:2] / sha256


def queue(sha256: str, media_type: str) -> None:
    if media_type not in PREVIEWABLE or db.session.get(Preview, sha256) is not None:
        return
    db.session.add(Preview(sha256=sha256, media_type=media_type))


def on_version_stored(version: DocumentVersion, **_) -> None:
    queue(version.sha256, version.media_type)


def preview_of(sha256: str) -> Preview | None:
    """The finished preview of a blob whose files are there (a restore may
    bring the rows back without the regenerable files)."""
    preview = db.session.get(Preview, sha256)
    if preview is None or preview.state != "done" or not (folder(sha256) / "thumb.png").is_file():
        return None
    return preview


def previews_of(sha256s: list[str]) -> dict[str, Preview]:
    """Finished previews of several blobs in one query (lists, search results)."""
    if not sha256s:
        return {}
    rows = db.session.scalars(
        select(Preview).where(Preview.sha256.in_(set(sha256s)), Preview.state == "done")
    )
    return {row.sha256: row for row in rows}


def list_thumbnails(user, documents) -> dict[int, DocumentVersion]:
    """The version whose thumbnail each row of a list shows (the effective
    one, else the newest the user may open) when its preview is made, with
    one query for the page's previews, not one per row."""
    from app.documents.policy import can_view_version

    chosen: dict[int, DocumentVersion] = {}
    for document in documents:
        for version in [document.effective_version, *reversed(document.versions)]:
            if version is not None and can_view_version(user, version):
                chosen[document.id] = version
                break
    done = previews_of([v.sha256 for v in chosen.values()])
    return {
        document_id: version
        for document_id, version in chosen.items()
        if version.sha256 in done and (folder(version.sha256) / "thumb.png").is_file()
    }


def hit_thumbnails(items: list[dict]) -> set[tuple[int, int]]:
    """(document id, version) of the document hits of a search page (already
    filtered by permission) whose thumbnail is made."""
    pairs = {(i["id"], i["version"]) for i in items if i.get("kind") == "document" and i.get("version")}
    if not pairs:
        return set()
    rows = db.session.execute(
        select(DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.sha256).where(
            DocumentVersion.document_id.in_({p[0] for p in pairs})
        )
    ).all()
    wanted = {(d, n): sha for d, n, sha in rows if (d, n) in pairs}
    done = previews_of(list(wanted.values()))
    return {pair for pair, sha in wanted.items() if sha in done and (folder(sha) / "thumb.png").is_file()}


def _claimable(now):
    return or_(Preview.state == "pending", and_(Preview.state == "running", Preview.lease_until < now))


def claim(worker: str, lease_s: float) -> str | None:
    now = utcnow()
    oldest = (
        select(Preview.sha256).where(_claimable(now)).order_by(Preview.created_at).limit(1).scalar_subquery()
    )
    result = db.session.execute(
        update(Preview)
        .where(Preview.sha256 == oldest, _claimable(now))
        .values(
            state="running",
            worker=worker,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=Preview.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.rollback()
        return None
    sha256 = db.session.scalar(
        select(Preview.sha256).where(Preview.worker == worker, Preview.state == "running")
    )
    db.session.commit()
    return sha256


def _text_of(sha256: str) -> str:
    text = db.session.scalar(select(DocumentVersion.text).where(DocumentVersion.sha256 == sha256).limit(1))
    return text or ""


def run(sha256: str, worker: str, config) -> str:
    preview = db.session.get(Preview, sha256)
    if preview is None or preview.worker != worker:
        return "lost"
    if preview.attempts > config["OCR_MAX_ATTEMPTS"]:
        return _finish(preview, "failed", "gave up after repeated attempts (the worker stopped each time)")
    out = folder(sha256)
    try:
        pages, total, html = render.make(
            get_store().path(sha256),
            preview.media_type,
            out,
            max_pages=config["PREVIEW_MAX_PAGES"],
            text=_text_of(sha256),
        )
    except Exception as exc:  # noqa: BLE001 - any renderer failure is this file's, named on the row
        db.session.rollback()
        shutil.rmtree(out, ignore_errors=True)
        preview = db.session.get(Preview, sha256)
        assert preview is not None
        return _finish(preview, "failed", f"{type(exc).__name__}: {exc}")
    preview.pages, preview.total_pages, preview.has_html = pages, total, html
    return _finish(preview, "done", "")


def _finish(preview: Preview, state: str, error: str) -> str:
    preview.state = state
    preview.error = error[:2000]
    preview.lease_until = None
    preview.finished_at = utcnow()
    db.session.commit()
    if state == "failed":
        log.warning("preview of %s failed: %s", preview.sha256, error)
    return state


def work_once(config, worker: str) -> tuple[str, str] | None:
    sha256 = claim(worker, config["OCR_LEASE_S"])
    if sha256 is None:
        return None
    return sha256, run(sha256, worker, config)


def page_file(sha256: str, number: int) -> Path | None:
    path = folder(sha256) / f"page-{number:04d}.png"
    return path if number >= 1 and path.is_file() else None


def thumb_file(sha256: str) -> Path | None:
    path = folder(sha256) / "thumb.png"
    return path if path.is_file() else None


def html_for(sha256: str, query: str | None = None):
    """The DOCX's sanitised HTML as Markup, the words of ``query`` marked
    in its text (by the search feature's marker, app.hooks "text_marker");
    None without a DOCX preview."""
    import html as html_lib
    import re

    from markupsafe import Markup

    from app import hooks

    body = html_of(sha256)
    if body is None:
        return None
    markers = hooks.registered("text_marker") if query else []
    if markers:
        parts = re.split(r"(<[^>]*>)", body)
        for index, part in enumerate(parts):
            if index % 2 == 0 and part.strip():
                marked = markers[0](html_lib.unescape(part), query)
                if marked:
                    parts[index] = marked
        body = "".join(parts)
    return Markup(body)  # bleach-sanitised at rendering time; marks come from highlight.mark (escaped text)


def html_of(sha256: str) -> str | None:
    path = folder(sha256) / "doc.html"
    return path.read_text(encoding="utf-8") if path.is_file() else None
