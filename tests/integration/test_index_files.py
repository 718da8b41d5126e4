"""The index writer lets go of the files of merged-away segments at once
(issue 20's soak: Whoosh's writer kept its searcher in a reference cycle, so
hundreds of deleted segment files stayed open, with their memory maps,
until the cyclic garbage collector happened to run)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from app.extensions import db
from app.search import indexer
from app.search.models import IndexOutbox


def _open_index_files(index_dir: str) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(index_dir) and target.endswith("(deleted)"):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux) to list open files")
def test_draining_many_batches_leaves_no_deleted_segment_open(app, make_user, make_document):
    app.config["SEARCH_INLINE_INDEXING"] = False
    author = make_user("author", "RD")
    ids = [
        make_document(author, title=f"X{n} manual", content=f"X{n} torque table " * 100 + "\n").id
        for n in range(12)
    ]
    indexer.drain(app.config, wait=False)
    gc.collect()
    gc.disable()  # what a busy writer sees: the cyclic collector does not run in between
    try:
        for round_ in range(40):
            db.session.add_all(IndexOutbox(kind="document", object_id=i) for i in ids[round_ % 12 :][:4])
            db.session.commit()
            indexer.drain(app.config, wait=False)
        leaked = _open_index_files(app.config["INDEX_DIR"])
    finally:
        gc.enable()
    assert leaked == []


def test_a_searcher_reads_the_index_in_place_without_a_private_copy(app, make_user, make_document, api_as):
    """Opening a searcher costs memory far below the index's size: the
    segment files are read where they are mapped (Whoosh copied each one
    into the process, so every worker held the whole index once more, and
    the soak saw the workers grow with the index on disk). Searching still
    finds and highlights what it did."""
    import tracemalloc

    from app.search.index import open_current

    app.config["SEARCH_INLINE_INDEXING"] = False
    author = make_user("author", "RD")
    for n in range(40):
        words = " ".join(f"torque{n}x{k} 扭力{n}值{k}" for k in range(400))
        make_document(author, title=f"X{n} manual", content=f"X{n} {words}\n")
    indexer.drain(app.config, wait=False)
    index = open_current(app.config)
    on_disk = sum(p.stat().st_size for p in Path(index.storage.folder).glob("*.seg"))
    assert on_disk > 1_000_000, on_disk  # big enough for a copy to show
    tracemalloc.start()
    try:
        searcher = index.searcher()
        assert searcher.doc_frequency("body", "torque7x399") == 1  # the terms and postings are read
        opened, _peak = tracemalloc.get_traced_memory()
        searcher.close()
    finally:
        tracemalloc.stop()
    assert opened < on_disk / 4, (opened, on_disk)
    hits = api_as(author).get("/search", query_string={"q": "torque7x399"}).json["items"]
    assert len(hits) == 1 and hits[0]["title"].endswith(" X7 manual"), hits
