"""The Whoosh index behind a small interface: schema, where the current
index lives, and searchers kept open and refreshed.

``<INDEX_DIR>/CURRENT`` names the directory holding the live index, so a
rebuild can build beside it and swap by renaming one small file. Its
second line is the schema version the index was built with: an index of
an older version (or a pointer without one) is rebuilt by the indexer
before it writes (``flask search work``, the inline drain, or
``flask search rebuild``); until then searches read it with the schema
stored in it.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import DATETIME, ID, NUMERIC, TEXT, Schema
from whoosh.filedb import structfile
from whoosh.reading import SegmentReader
from whoosh.util import IDCHARS
from whoosh.writing import MERGE_SMALL, SegmentWriter

from app.search.analysis import BigramPositions, analyzer

POINTER = "CURRENT"
# 2: no character offsets in postings (highlights find the terms in the
# text), kana / Hangul / Thai bigrams, NFKC, accent folding, stemming fix.
SCHEMA_VERSION = 2
log = logging.getLogger(__name__)


def _segment_id(cls, size: int = 16) -> str:
    return "".join(secrets.choice(IDCHARS) for _ in range(size))


# Whoosh names new segments with the global `random` module; anything that
# seeds it (a test harness, a library calling random.seed) makes two commits
# pick the same name and the second one fails (AssertionError in
# create_compound_file). Segment names come from the OS's generator instead.
Segment._random_id = classmethod(_segment_id)


def _adopt_deletions(reader, segment) -> bool:
    """Point an open segment reader at ``segment``, the same segment with
    more documents deleted since (an update deletes the old copy in place).

    A segment's files never change; only its deletion set, kept on the
    Segment object, does. Reopening a large segment costs ~0.1 s per 20,000
    documents, paid by the first search after every index commit; adopting
    the new deletion set costs nothing. Returns False when the reader is not
    the Whoosh 3 segment reader this relies on (then it is reopened).
    """
    perdoc = getattr(reader, "_perdoc", None)
    if type(reader) is not SegmentReader or type(perdoc) is not W3PerDocReader:
        return False
    if reader.segment().deleted_count() > segment.deleted_count():
        return False  # never un-delete
    reader._segment = perdoc._segment = segment  # type: ignore[union-attr]  # checked W3PerDocReader above
    reader.__dict__.pop("deleted_docs_set", None)  # a cached_property over the deletions
    return True


def _reader(cls, storage, schema, segments, generation, reuse=None):
    """A reader over ``segments``, reusing the still-valid segment readers of
    ``reuse`` (what ``Searcher.refresh()`` calls).

    whoosh-reloaded 2.7.5 appends the old reader's segments to the new list,
    so after a merge a refreshed searcher still reads the merged-away
    segments (every hit twice, replaced versions back from the dead), and a
    searcher first opened on an empty index fails to refresh (TypeError).
    Here only the index's current segments are read; an open segment reader
    is reused with the segment's current deletions.
    """
    from whoosh import reading

    reusable = {}
    if reuse is not None:
        for reader, _ in reuse.leaf_readers():
            segment = reader.segment()
            if segment is not None and not reader.is_closed:
                reusable[segment.segment_id()] = reader
    kept, opened = set(), []

    def open_segment(segment):
        reader = reusable.get(segment.segment_id())
        if reader is not None and (
            reader.segment().deleted_count() == segment.deleted_count() or _adopt_deletions(reader, segment)
        ):
            kept.add(segment.segment_id())
            return reader
        opened.append(reading.SegmentReader(storage, schema, segment, generation=generation))
        return opened[-1]

    try:
        if not segments:
            result = reading.EmptyReader(schema)
        elif len(segments) == 1 and not reusable:
            result = open_segment(segments[0])
        else:
            # A MultiReader carries the new generation even over one reused reader.
            result = reading.MultiReader(
                [open_segment(segment) for segment in segments], generation=generation
            )
    except BaseException:
        # FileIndex.reader() retries when a merge deleted a file under us, with
        # the same ``reuse``: leave it untouched, close only what was opened here.
        for reader in opened:
            reader.close()
        raise
    for key, reader in reusable.items():
        if key not in kept:
            reader.close()
    return result


whoosh_index.FileIndex._reader = classmethod(_reader)


class _ListedLengths:
    """Field lengths of a segment being written, read once per field into a
    list: Whoosh looks one up per posting when it writes a segment (a fifth
    of indexing time, through a file read and an unpack each)."""

    def __init__(self, reader):
        self._reader = reader
        self._fields: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._fields.get(fieldname)
        if lengths is None:
            count = self._reader.doc_count_all()
            lengths = self._fields[fieldname] = [
                self._reader.doc_field_length(i, fieldname, 0) or 0 for i in range(count)
            ]
        return lengths[docnum] if docnum < len(lengths) else default


def _flush_segment(self):
    self.perdocwriter.close()
    reader = self.per_document_reader() if self.codec.length_stats else None
    self.fieldwriter.add_postings(
        self.schema, _ListedLengths(reader) if reader else None, self.pool.iter_postings()
    )
    self.fieldwriter.close()
    if reader:
        reader.close()


SegmentWriter._flush_segment = _flush_segment

_finish_writer = SegmentWriter._finish


def _finish(self):
    """Whoosh caches a searcher on the writer whose ``close`` attributes are
    bound methods of itself: a reference cycle that kept the searcher's
    readers, their memory maps and the files of merged-away segments open
    until the cyclic collector ran (the soak saw 300 descriptors and +80 %
    memory in the index writer). Break it once the writer has closed it."""
    searcher = self._searcher
    _finish_writer(self)
    if searcher is not None:
        searcher.__dict__.pop("_orig_close", None)
        searcher.__dict__.pop("close", None)


SegmentWriter._finish = _finish

# A segment more deleted than this is rewritten without its deleted entries
# at the next commit. Rewriting a segment costs about its live entries, paid
# once per as many deletions, so at a half the index stays under twice its
# live size for about one extra write per update.
WORN_SHARE = 0.5


def _merge_small_and_worn(writer, segments):
    """Whoosh's ``MERGE_SMALL``, and every segment more than ``WORN_SHARE``
    deleted.

    ``MERGE_SMALL`` picks segments by their entry count, deleted entries
    included, and never looks at deletions. An update deletes the old entry
    in place, so a large segment whose documents keep being edited stayed on
    disk with its dead entries until enough small segments piled up to merge
    it (issue 20's steady soak: 1,890 deleted entries beside 2,136 live ones).
    Every searching process maps those segments and reads past the dead
    entries: the gunicorn workers' memory grew with them.
    """
    worn = {s.segment_id() for s in segments if s.deleted_count() > s.doc_count_all() * WORN_SHARE}
    kept = MERGE_SMALL(writer, [s for s in segments if s.segment_id() not in worn])
    for segment in segments:
        if segment.segment_id() in worn:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)  # copies the live entries only
            reader.close()
    return kept


def commit(writer) -> None:
    """Commit an index writer, merging small and worn segments."""
    writer.commit(mergetype=_merge_small_and_worn)


class _MappedPart:
    """A read-only file over one part of a segment's memory map, read in
    place. Whoosh's ``BufferFile`` wraps the part in ``BytesIO``, which
    copies it: every process with a searcher (each gunicorn worker, the
    indexer) held a private copy of the index's terms and postings, and
    after each new segment another one (issue 20's soak: the workers' memory
    grew with the index on disk, deleted entries included). Reads by
    position (``BufferFile.get``) never used the copy; sequential reads copy
    only what they read."""

    __slots__ = ("_view", "_pos")

    def __init__(self, buffer) -> None:
        self._view = memoryview(buffer)  # of the map, or of bytes (BufferFile.subset)
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        # A slice past the end stops at the end, as a file's read does.
        data = (
            self._view[start:] if size is None or size < 0 else self._view[start : start + size]
        ).tobytes()
        self._pos = start + len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        at = self._pos
        while at < end:
            found = self._view[at : min(at + 4096, end)].tobytes().find(b"\n")
            if found >= 0:
                return self.read(at + found + 1 - self._pos)
            at += 4096
        return self.read(end - self._pos)

    def __iter__(self):
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view = memoryview(b"")


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = _MappedPart(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


WHOOSH_BUFFER_FILE_INIT = structfile.BufferFile.__init__  # bench/search_memory.py compares the two
structfile.BufferFile.__init__ = _buffer_file_init


def make_schema() -> Schema:
    text = analyzer()
    return Schema(
        key=ID(unique=True, stored=True),  # document:12:effective, issue:7
        kind=ID(stored=True, sortable=True),  # document | issue
        variant=ID(stored=True),  # effective | draft (documents)
        object_id=NUMERIC(stored=True, signed=False),
        version=NUMERIC(stored=True, signed=False),
        title=TEXT(analyzer=text, phrase=True, stored=True, field_boost=2.0),
        body=TEXT(analyzer=text, phrase=True),
        category=ID(stored=True, sortable=True),
        doc_type=ID(stored=True, sortable=True),
        department=ID(stored=True, sortable=True),
        product=ID(stored=True, sortable=True),
        state=ID(stored=True, sortable=True),
        severity=ID(stored=True, sortable=True),
        source=ID(stored=True),
        confidentiality=ID(stored=True),
        author_id=ID(),
        updated=DATETIME(stored=True, sortable=True),
    )


def _fast_text(schema: Schema) -> Schema:
    for name in ("title", "body"):
        field = schema[name]
        field.format = BigramPositions(field_boost=field.format.field_boost)
    return schema


SCHEMA = _fast_text(make_schema())


def index_root(config) -> Path:
    return Path(config["INDEX_DIR"])


def _pointer(config) -> tuple[str, int] | None:
    pointer = index_root(config) / POINTER
    try:
        lines = pointer.read_text().split()
    except FileNotFoundError:
        return None
    if not lines:
        return None
    version = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 1
    return lines[0], version


def current_dir(config) -> Path | None:
    pointer = _pointer(config)
    return index_root(config) / pointer[0] if pointer else None


def schema_is_current(config) -> bool:
    """False when the live index was built with an older schema (rebuild it)."""
    pointer = _pointer(config)
    return pointer is None or pointer[1] == SCHEMA_VERSION


def create_in(path: Path):
    path.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(str(path), SCHEMA)


def swap_to(config, name: str) -> None:
    """Point CURRENT at ``name`` atomically (write a temp file, rename)."""
    root = index_root(config)
    tmp = root / (POINTER + ".tmp")
    tmp.write_text(f"{name}\n{SCHEMA_VERSION}\n")
    os.replace(tmp, root / POINTER)


def open_current(config, *, create: bool = True):
    path = current_dir(config)
    if path is None or not whoosh_index.exists_in(str(path)):
        if not create:
            return None
        root = index_root(config)
        root.mkdir(parents=True, exist_ok=True)
        path = root / "index-0"
        create_in(path)
        swap_to(config, path.name)
    # An index of an older schema is read with the schema pickled in it
    # until the indexer has rebuilt it.
    return whoosh_index.open_dir(str(path), schema=SCHEMA if schema_is_current(config) else None)


def _empty_index():
    from whoosh.filedb.filestore import RamStorage

    return RamStorage().create_index(SCHEMA)


class SearcherCache:
    """One open searcher per thread and index directory, refreshed before
    use: opening costs ~200 ms, refreshing an unchanged index ~0.1 ms."""

    def __init__(self):
        self._local = threading.local()

    def get(self, config):
        path = current_dir(config)
        cached = getattr(self._local, "entry", None)
        if cached is not None and cached[0] == path:
            try:
                searcher = cached[1].refresh()
            except Exception:
                # Never keep serving from a searcher that failed to refresh:
                # drop it (its readers may be half closed) and open anew.
                log.warning("search: refreshing the searcher failed; reopening", exc_info=True)
                self._local.entry = None
                return self.get(config)
        else:
            if cached is not None:
                cached[1].close()
            # Readers never create the index (only the node's indexer writes
            # it): a deleted index reads as empty until it is rebuilt.
            ix = open_current(config, create=False) or _empty_index()
            path = current_dir(config)
            searcher = ix.searcher()
        self._local.entry = (path, searcher)
        return searcher

    def clear(self):
        cached = getattr(self._local, "entry", None)
        if cached is not None:
            cached[1].close()
        self._local.entry = None


searchers = SearcherCache()
