"""Query execution over Whoosh's index with arrays instead of per-hit Python.

Whoosh's collector walks every matching document in Python (score, record
matched terms, count seven facets): ~10-20 µs per hit, so a word found in
half of 100,000 documents costs a second. Here the same index is read a
posting block at a time into numpy arrays, and everything that used to be
per hit is an array operation over all documents:

- a term's postings (document numbers and weights, per segment) are decoded
  once and kept in a byte-bounded cache; BM25F scores are computed on the
  arrays (same formula, B and K1 as Whoosh's default weighting);
- And / Or / Not / Every combine masks; a phrase is first the And of its
  terms, then verified against stored positions only for the candidates
  needed for the page (see ``PhraseCheck``);
- permission and filter queries (whatever Whoosh query the policy renders)
  become document masks cached per index generation and query text, so
  "who may see what" costs nothing per query after the first; terms and
  their boolean combinations (what permissions and facet filters are) are
  also cached per segment, so after a commit only the new segments are
  evaluated, not the whole index again;
- facet counts are ``bincount`` over per-document value ordinals read from
  the facet fields' postings once per segment; the total is a popcount;
- the page is ``argpartition`` over the scores (or the date column).

Per segment, everything except the deletions is immutable, so caches are
keyed by segment id; deletions are re-read when their count changes.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.util.numeric import byte_to_length

B, K1 = 0.75, 1.2  # whoosh.scoring.BM25F defaults
POSTINGS_CACHE_BYTES = 96 * 2**20
MASK_CACHE_ENTRIES = 128
SEGMENT_MASK_CACHE_BYTES = 32 * 2**20
_LENGTH_TABLE = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


class _LRU:
    """A small thread-safe LRU bounded by entry count or by array bytes."""

    def __init__(self, max_entries: int | None = None, max_bytes: int | None = None):
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self.max_entries, self.max_bytes = max_entries, max_bytes

    @staticmethod
    def _size(value) -> int:
        if isinstance(value, tuple):
            return sum(getattr(v, "nbytes", 64) for v in value)
        return getattr(value, "nbytes", 64)

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            if key in self._data:
                self._bytes -= self._size(self._data.pop(key))
            self._data[key] = value
            self._bytes += self._size(value)
            while self._data and (
                (self.max_entries and len(self._data) > self.max_entries)
                or (self.max_bytes and self._bytes > self.max_bytes)
            ):
                _, old = self._data.popitem(last=False)
                self._bytes -= self._size(old)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def forget(self, stale) -> None:
        """Drop the entries whose key ``stale(key)`` says are of no more use."""
        with self._lock:
            for key in [k for k in self._data if stale(k)]:
                self._bytes -= self._size(self._data.pop(key))


_postings = _LRU(max_bytes=POSTINGS_CACHE_BYTES)
_masks = _LRU(max_entries=MASK_CACHE_ENTRIES)
# A filter's documents in one segment, deletions not applied, a bit each:
# (segment, query).
_segment_masks = _LRU(max_bytes=SEGMENT_MASK_CACHE_BYTES)
# Decoded posting blocks with positions (phrase checks), ~10 KB each.
_blocks = _LRU(max_entries=4096)
_segments: dict[str, _SegmentData] = {}
_generations: dict[tuple, dict] = {}
# Each index's segments at its last view: a segment that leaves (merged
# away, or its documents all deleted) is forgotten by every cache at once.
# Before, its entries stayed until the byte or entry bounds pushed them out:
# the soak's steady mix, run in one process for 16,000 requests, left 20,000
# posting entries and 700 decoded blocks cached, nearly all of dead segments,
# and the process 21 MB larger (a worker's memory rose with every commit).
_live: dict[str, set[str]] = {}
_segments_lock = threading.Lock()


def _unwrap(matcher):
    """The on-disk matcher under Whoosh's deletion filter: deleted documents
    are masked out here by the live-document mask instead."""
    while type(matcher) is not W3LeafMatcher and hasattr(matcher, "child"):
        matcher = matcher.child
    return matcher


def read_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers (int32) and weights (float32) of one term in one
    segment, decoded a block at a time (not a posting at a time)."""
    try:
        matcher = _unwrap(reader.postings(fieldname, text))
    except Exception:  # noqa: BLE001 - TermNotFound and friends: no postings
        return np.empty(0, np.int32), np.empty(0, np.float32)
    if type(matcher) is not W3LeafMatcher:
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.asarray(ids, np.int32), np.asarray(weights, np.float32)
    id_parts, weight_parts = [], []
    while not matcher._atend:
        matcher._read_data()
        ids, weights = matcher._data[0], matcher._data[1]
        block = np.cumsum(np.asarray(ids, dtype=np.int32), dtype=np.int32)  # ids are delta-encoded per block
        id_parts.append(block)
        if weights is None:
            weight_parts.append(np.ones(len(block), np.float32))
        elif isinstance(weights, float):
            weight_parts.append(np.full(len(block), weights, np.float32))
        else:
            weight_parts.append(np.asarray(weights, np.float32))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if not id_parts:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


class _SegmentData:
    """Per-segment arrays that never change while the segment exists."""

    def __init__(self, reader):
        self.size = reader.doc_count_all()
        self.lengths: dict[str, np.ndarray] = {}
        self.ordinals: dict[str, tuple[list[str], np.ndarray]] = {}
        self.columns: dict[str, np.ndarray] = {}
        self._live: tuple[int, np.ndarray] | None = None

    def live(self, reader) -> np.ndarray:
        deleted = reader.segment().deleted_count() if reader.segment() is not None else 0
        if self._live is None or self._live[0] != deleted:
            mask = np.ones(self.size, bool)
            if deleted:
                mask[np.fromiter(reader.segment().deleted_docs(), np.int64)] = False
            self._live = (deleted, mask)
        return self._live[1]

    def length(self, reader, fieldname: str) -> np.ndarray:
        if fieldname not in self.lengths:
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

            perdoc = getattr(reader, "_perdoc", None)
            column = (
                perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
            )
            if column is not None:
                self.lengths[fieldname] = _LENGTH_TABLE[_numeric_column(column, self.size)]
            else:
                self.lengths[fieldname] = np.asarray(
                    [reader.doc_field_length(i, fieldname, 0) or 0 for i in range(self.size)], np.float32
                )
        return self.lengths[fieldname]

    def ordinal(self, reader, fieldname: str) -> tuple[list[str], np.ndarray]:
        """Each document's value of an ID field as an index into a value list
        (0 = no value), read from the field's postings, not per document."""
        if fieldname not in self.ordinals:
            values = [""]
            ords = np.zeros(self.size, np.int32)
            if fieldname in reader.indexed_field_names():
                for text in list(reader.field_terms(fieldname)):
                    ids, _ = read_postings(reader, fieldname, text)
                    values.append(text)
                    ords[ids] = len(values) - 1
            self.ordinals[fieldname] = (values, ords)
        return self.ordinals[fieldname]

    def column(self, reader, fieldname: str) -> np.ndarray:
        if fieldname not in self.columns:
            out = np.zeros(self.size, np.int64)
            if reader.has_column(fieldname):
                column = reader.column_reader(fieldname, translate=False)
                if hasattr(column, "_typecode") and hasattr(column, "_dbfile"):
                    out = _numeric_column(column, self.size).astype(np.int64)
                else:
                    out = np.asarray([v if isinstance(v, int) else 0 for v in column], np.int64)
            self.columns[fieldname] = out
        return self.columns[fieldname]


def _numeric_column(column, size: int) -> np.ndarray:
    """A Whoosh NumericColumn read in one go (big-endian fixed-size values)."""
    dtype = np.dtype(">" + column._typecode)
    raw = column._dbfile.get(column._basepos, column._count * dtype.itemsize)
    values = np.frombuffer(raw, dtype).astype(dtype.newbyteorder("="))
    if len(values) < size:
        values = np.concatenate([values, np.full(size - len(values), column._default, values.dtype)])
    return values[:size]


def _index_key(searcher) -> str:
    """Which index a searcher reads (its folder and name): a process may
    search several (tests do), and each forgets only its own segments."""
    ix = getattr(searcher, "_ix", None)
    storage = getattr(ix, "storage", None)
    return f"{getattr(storage, 'folder', id(storage))}/{getattr(ix, 'indexname', '')}"


def _segment_key(reader) -> str:
    segment = reader.segment()
    return segment.segment_id() if segment is not None else f"mem-{id(reader)}"


def _segment_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    key = (_segment_key(reader), fieldname, text)
    cached = _postings.get(key)
    if cached is None:
        cached = read_postings(reader, fieldname, text)
        _postings.put(key, cached)
    return cached


@dataclass
class View:
    """The searcher's segments as one array space: global docnum = offset + local."""

    searcher: Any  # whoosh.searching.Searcher
    leaves: list  # (reader, offset, _SegmentData)
    size: int
    key: tuple  # changes whenever a segment or its deletions change
    _cache: dict = field(default_factory=dict)

    @classmethod
    def of(cls, searcher) -> View:
        leaves, key = [], []
        with _segments_lock:
            wanted = set()
            for reader, offset in searcher.reader().leaf_readers():
                skey = _segment_key(reader)
                wanted.add(skey)
                data = _segments.get(skey)
                if data is None:
                    data = _segments[skey] = _SegmentData(reader)
                leaves.append((reader, offset, data))
                segment = reader.segment()
                key.append((skey, segment.deleted_count() if segment is not None else 0))
            index = _index_key(searcher)
            gone = _live.get(index, set()) - wanted
            _live[index] = wanted
            for stale in gone:
                _segments.pop(stale, None)
        if gone:
            _postings.forget(lambda k: k[0] in gone)  # (segment, field, term)
            _blocks.forget(lambda k: k[0] in gone)  # (segment, field, word, offset)
            _masks.forget(lambda k: any(s in gone for s, _ in k[0]))  # (generation, query)
            _segment_masks.forget(lambda k: k[0] in gone)  # (segment, query)
        size = searcher.doc_count_all()
        generation = tuple(key)
        with _segments_lock:
            # Arrays over all segments, shared by every query of this index
            # generation (a commit makes a new one).
            cache = _generations.get(generation)
            if cache is None:
                _generations.clear()
                cache = _generations[generation] = {}
        return cls(searcher, leaves, size, generation, cache)

    def _concat(self, name: str, per_leaf) -> np.ndarray:
        if name not in self._cache:
            parts = [per_leaf(reader, data) for reader, _, data in self.leaves]
            self._cache[name] = np.concatenate(parts) if parts else np.empty(0)
        return self._cache[name]

    def live(self) -> np.ndarray:
        return self._concat("live", lambda r, d: d.live(r)).astype(bool, copy=False)

    def length(self, fieldname: str) -> np.ndarray:
        return self._concat(f"len:{fieldname}", lambda r, d: d.length(r, fieldname))

    def column(self, fieldname: str) -> np.ndarray:
        return self._concat(f"col:{fieldname}", lambda r, d: d.column(r, fieldname))

    def ordinal(self, fieldname: str) -> tuple[list[str], np.ndarray]:
        """Global value list and ordinals (segments may differ in values)."""
        name = f"ord:{fieldname}"
        if name not in self._cache:
            values: list[str] = [""]
            index = {"": 0}
            parts = []
            for reader, _, data in self.leaves:
                local_values, local = data.ordinal(reader, fieldname)
                remap = np.array([index.setdefault(v, len(index)) for v in local_values], np.int32)
                parts.append(remap[local])
            values = sorted(index, key=lambda value: index[value])
            self._cache[name] = (values, np.concatenate(parts) if parts else np.zeros(0, np.int32))
        return self._cache[name]

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids_parts, weight_parts = [], []
        for reader, offset, _ in self.leaves:
            cached = _segment_postings(reader, fieldname, text)
            ids_parts.append(cached[0] + offset)
            weight_parts.append(cached[1])
        if len(ids_parts) == 1:
            return ids_parts[0], weight_parts[0]
        return np.concatenate(ids_parts), np.concatenate(weight_parts)


@dataclass
class PhraseCheck:
    """A phrase whose candidates (documents with all its terms) still need
    their positions checked."""

    fieldname: str
    words: list[str]
    slop: int
    candidates: np.ndarray  # bool mask


@dataclass
class Evaluated:
    mask: np.ndarray
    score: np.ndarray
    phrases: list[PhraseCheck] = field(default_factory=list)


def _term(view: View, fieldname: str, text: str, boost: float) -> Evaluated:
    ids, weights = view.postings(fieldname, text)
    mask = np.zeros(view.size, bool)
    score = np.zeros(view.size, np.float32)
    if len(ids):
        mask[ids] = True
        searcher = view.searcher
        df = searcher.doc_frequency(fieldname, text)
        idf = math.log(view.size / (df + 1)) + 1
        avg = searcher.avg_field_length(fieldname) or 1.0
        lengths = view.length(fieldname)[ids]
        score[ids] = boost * idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avg))
    return Evaluated(mask, score)


class TooSlow(Exception):
    """The search ran past its deadline (``run(..., timeout_s=...)``)."""


_deadline: ContextVar[float | None] = ContextVar("search_deadline", default=None)


def check_deadline() -> None:
    """Raise TooSlow once the running search's time is up: called per query
    node, per batch of phrase candidates and per highlighted hit."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TooSlow


def end_deadline() -> None:
    _deadline.set(None)


def evaluate(view: View, q) -> Evaluated:
    """Masks and BM25F scores for a Whoosh query tree."""
    check_deadline()
    if isinstance(q, wq.Term):
        text = q.text.decode("utf-8") if isinstance(q.text, bytes) else q.text
        return _term(view, q.fieldname, text, q.boost)
    if isinstance(q, wq.Every):
        return Evaluated(view.live().copy(), np.zeros(view.size, np.float32))
    if isinstance(q, wq.NullQuery.__class__):
        return Evaluated(np.zeros(view.size, bool), np.zeros(view.size, np.float32))
    if isinstance(q, wq.And):
        parts = [evaluate(view, child) for child in q.subqueries]
        if not parts:
            return evaluate(view, wq.NullQuery)
        mask, score, phrases = parts[0].mask.copy(), parts[0].score.copy(), list(parts[0].phrases)
        for part in parts[1:]:
            mask &= part.mask
            score += part.score
            phrases += part.phrases
        return Evaluated(mask, score * q.boost if q.boost != 1 else score, phrases)
    if isinstance(q, wq.Or):
        parts = [evaluate(view, child) for child in q.subqueries]
        if not parts:
            return evaluate(view, wq.NullQuery)
        mask, score = parts[0].mask.copy(), parts[0].score.copy()
        for part in parts[1:]:
            mask |= part.mask
            score += part.score
        if not any(part.phrases for part in parts):
            return Evaluated(mask, score)
        if len(parts) == 1:
            return Evaluated(mask, score, parts[0].phrases)
        # A phrase in title or body, or a phrase or a word: a candidate holds
        # when any alternative does (one without phrases holds outright).
        free = np.zeros(view.size, bool)
        for part in parts:
            if not part.phrases:
                free |= part.mask
        alternatives = [(part.mask, part.phrases) for part in parts if part.phrases]
        return Evaluated(mask, score, [_AnyPhrase(alternatives, free, mask)])
    if isinstance(q, wq.Not):
        inner = evaluate(view, q.query)
        return Evaluated(~inner.mask & view.live(), np.zeros(view.size, np.float32))
    if isinstance(q, wq.Phrase):
        words = [w.decode("utf-8") if isinstance(w, bytes) else w for w in q.words]
        if len(words) == 1:
            return _term(view, q.fieldname, words[0], q.boost)
        parts = [_term(view, q.fieldname, word, q.boost) for word in words]
        mask, score = parts[0].mask.copy(), parts[0].score.copy()
        for part in parts[1:]:
            mask &= part.mask
            score += part.score
        return Evaluated(mask, score, [PhraseCheck(q.fieldname, words, q.slop, mask.copy())])
    if isinstance(q, wq.Prefix):
        texts = list(view.searcher.reader().expand_prefix(q.fieldname, q.text))
        if len(texts) <= 1024:
            mask = np.zeros(view.size, bool)
            score = np.zeros(view.size, np.float32)
            for text in texts:
                part = _term(
                    view, q.fieldname, text.decode("utf-8") if isinstance(text, bytes) else text, q.boost
                )
                mask |= part.mask
                np.maximum(score, part.score, out=score)
            return Evaluated(mask, score)
    # Anything else (ranges, wildcards...): let Whoosh list its documents.
    mask = np.zeros(view.size, bool)
    docs = np.fromiter(q.docs(view.searcher), np.int64)
    if len(docs):
        mask[docs] = True
    return Evaluated(mask, np.zeros(view.size, np.float32))


class _AnyPhrase(PhraseCheck):
    """Holds where ``free`` is set or where all phrases of one alternative
    (its candidate mask, its phrases) hold."""

    def __init__(
        self,
        alternatives: list[tuple[np.ndarray, list[PhraseCheck]]],
        free: np.ndarray,
        candidates: np.ndarray,
    ):
        super().__init__("", [], 1, candidates)
        self.alternatives = alternatives
        self.free = free


def filter_mask(view: View, q) -> np.ndarray:
    """A filter query (permissions, facet filters) as a document mask,
    cached per index generation and query, and per segment when it is made
    of terms only (``_per_segment``): a commit adds a segment and changes
    deletions, and only the new segment's part is evaluated again."""
    text = repr(q)
    key = (view.key, text)
    mask = _masks.get(key)
    if mask is None:
        if _per_segment(q):
            parts = [_cached_segment_mask(reader, data.size, q, text) for reader, _, data in view.leaves]
            mask = np.concatenate(parts) if parts else np.zeros(view.size, bool)
            mask &= view.live()
        else:
            mask = evaluate(view, q).mask & view.live()
        mask.setflags(write=False)
        _masks.put(key, mask)
    return mask


def _per_segment(q) -> bool:
    """Whether ``q`` is terms and boolean combinations of them, whose
    documents in a segment depend on that segment alone."""
    if isinstance(q, wq.Term | wq.Every) or q is wq.NullQuery:
        return True
    if isinstance(q, wq.And | wq.Or):
        return all(_per_segment(child) for child in q.subqueries)
    if isinstance(q, wq.Not):
        return _per_segment(q.query)
    return False


def _cached_segment_mask(reader, size: int, q, text: str) -> np.ndarray:
    """Kept a bit per document (each reader's visibility is its own query:
    a worker holds one per recent reader and segment), unpacked only when a
    new generation's mask is assembled."""
    key = (_segment_key(reader), text)
    packed = _segment_masks.get(key)
    if packed is None:
        check_deadline()
        packed = np.packbits(_segment_mask(reader, size, q))
        packed.setflags(write=False)
        _segment_masks.put(key, packed)
    return np.unpackbits(packed, count=size).view(bool)


def _segment_mask(reader, size: int, q) -> np.ndarray:
    """``q``'s documents among a segment's ``size``, deleted ones included
    (the caller applies the live mask: Not and Every read as if nothing were
    deleted, which the final AND with the live documents makes exact)."""
    if isinstance(q, wq.Term):
        text = q.text.decode("utf-8") if isinstance(q.text, bytes) else q.text
        mask = np.zeros(size, bool)
        mask[_segment_postings(reader, q.fieldname, text)[0]] = True
        return mask
    if isinstance(q, wq.Every):
        return np.ones(size, bool)
    if isinstance(q, wq.Not):
        return ~_segment_mask(reader, size, q.query)
    if isinstance(q, wq.And | wq.Or) and q.subqueries:
        mask = _segment_mask(reader, size, q.subqueries[0])
        for child in q.subqueries[1:]:
            if isinstance(q, wq.And):
                mask &= _segment_mask(reader, size, child)
            else:
                mask |= _segment_mask(reader, size, child)
        return mask
    return np.zeros(size, bool)  # NullQuery, an empty And or Or


def _positions(view: View, fieldname: str, word: str, docnums: np.ndarray) -> dict[int, list[int]]:
    """Positions of ``word`` in each of ``docnums`` (ascending): only the
    posting blocks that hold a wanted document are decoded."""
    out: dict[int, list[int]] = {}
    for reader, offset, data in view.leaves:
        local = docnums[(docnums >= offset) & (docnums < offset + data.size)] - offset
        if not len(local):
            continue
        try:
            matcher = _unwrap(reader.postings(fieldname, word))
        except Exception:  # noqa: BLE001 - term not in this segment
            continue
        decode = reader.schema[fieldname].format.decode_positions
        if type(matcher) is not W3LeafMatcher:
            wanted = set(local.tolist())
            while matcher.is_active():
                if matcher.id() in wanted:
                    out[matcher.id() + offset] = matcher.value_as("positions")
                matcher.next()
            continue
        i = 0
        while i < len(local):
            while matcher._maxid < local[i]:  # skip blocks by their header only
                if matcher._lastblock:
                    break
                matcher._goto(matcher._nextoffset)
            if matcher._maxid < local[i]:
                break
            block_key = (_segment_key(reader), fieldname, word, matcher._dataoffset)
            block = _blocks.get(block_key)
            if block is None:
                matcher._read_data()
                block = (np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)), matcher._data[2])
                _blocks.put(block_key, block)
            ids, values = block
            block_end = int(np.searchsorted(local, matcher._maxid, side="right"))
            wanted = local[i:block_end]
            at = np.searchsorted(ids, wanted)
            for docnum, j in zip(wanted.tolist(), at.tolist(), strict=True):
                if j < len(ids) and ids[j] == docnum:
                    out[docnum + offset] = decode(values[j])
            i = block_end
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
    return out


def _phrase_holds(check: PhraseCheck, view: View, docnums: np.ndarray) -> np.ndarray:
    """Which of ``docnums`` (ascending) contain the phrase."""
    if isinstance(check, _AnyPhrase):
        held = check.free[docnums].copy()
        for candidates, phrases in check.alternatives:
            inside = candidates[docnums] & ~held
            if inside.any():
                ok = np.ones(int(inside.sum()), bool)
                for phrase in phrases:
                    ok &= _phrase_holds(phrase, view, docnums[inside])
                held[inside] = ok
        return held
    per_word = [_positions(view, check.fieldname, word, docnums) for word in check.words]
    held = np.zeros(len(docnums), bool)
    for i, docnum in enumerate(docnums.tolist()):
        if i % 32 == 0:
            check_deadline()
        found = [p.get(docnum) for p in per_word]
        if any(p is None for p in found):
            continue
        lists: list[list[int]] = [p for p in found if p is not None]
        later = [set(p) for p in lists[1:]]
        for start in lists[0]:
            if all(
                any(start + k + 1 + s in positions for s in range(check.slop))
                for k, positions in enumerate(later)
            ):
                held[i] = True
                break
    return held


@dataclass
class Page:
    docnums: list[int]
    scores: list[float]
    total: int
    total_exact: bool
    facets: dict[str, dict[str, int]]


VERIFY_ALL_BELOW = 200  # phrase candidates checked exhaustively up to here
VERIFY_BATCH = 64


def run(
    searcher,
    text_query,
    filters: list,
    *,
    facets: tuple[str, ...],
    page: int,
    per_page: int,
    sort_by_date: bool,
    timeout_s: float | None = None,
) -> Page:
    """One page of results; raises TooSlow when ``timeout_s`` runs out (the
    deadline stays set for the caller's highlighting until ``end_deadline``)."""
    _deadline.set(time.monotonic() + timeout_s if timeout_s is not None else None)
    view = View.of(searcher)
    result = evaluate(view, text_query)
    mask = result.mask & view.live()
    for q in filters:
        mask &= filter_mask(view, q)
    score = result.score
    want = page * per_page
    exact = True
    ratio = 1.0
    if result.phrases:
        mask, ratio, exact, verified = _verify_phrases(view, result.phrases, mask, score, want, sort_by_date)
    else:
        verified = None
    candidates = int(np.count_nonzero(mask))
    total = candidates if exact else int(round(candidates * ratio))
    counts: dict[str, dict[str, int]] = {}
    for name in facets:
        values, ords = view.ordinal(name)
        binned = np.bincount(ords[mask], minlength=len(values))
        counts[name] = {values[i]: int(round(c * ratio)) for i, c in enumerate(binned.tolist()) if i and c}
    ranked = _top(view, mask if verified is None else verified, score, want, sort_by_date)
    chosen = ranked[(page - 1) * per_page : want]
    return Page([int(d) for d in chosen], [float(score[d]) for d in chosen], total, exact, counts)


def _top(view: View, mask: np.ndarray, score: np.ndarray, want: int, sort_by_date: bool) -> np.ndarray:
    docnums = np.flatnonzero(mask)
    if not len(docnums):
        return docnums
    key = -view.column("updated")[docnums].astype(np.float64) if sort_by_date else -score[docnums]
    if len(docnums) > want:
        part = np.argpartition(key, want - 1)[:want]
        docnums, key = docnums[part], key[part]
    order = np.lexsort((docnums, key))
    return docnums[order]


def _verify_phrases(view: View, phrases, mask, score, want, sort_by_date):
    """Check positions for as many candidates as the page needs (best first),
    or all of them when there are few. Returns the candidate mask, the share
    of checked candidates that held, whether the count is exact, and the
    mask of verified matches to page from."""
    candidates = np.flatnonzero(mask)
    if len(candidates) <= VERIFY_ALL_BELOW:
        held = np.ones(len(candidates), bool)
        for check in phrases:
            held &= _phrase_holds(check, view, candidates)
        verified = np.zeros(view.size, bool)
        verified[candidates[held]] = True
        return verified, 1.0, True, None
    key = -view.column("updated")[candidates].astype(np.float64) if sort_by_date else -score[candidates]
    order = candidates[np.lexsort((candidates, key))]
    verified = np.zeros(view.size, bool)
    checked = found = 0
    while found < want and checked < len(order):
        check_deadline()
        batch = np.sort(order[checked : checked + VERIFY_BATCH])
        held = np.ones(len(batch), bool)
        for check in phrases:
            held &= _phrase_holds(check, view, batch)
        verified[batch[held]] = True
        checked += len(batch)
        found += int(held.sum())
    if checked >= len(order):
        return verified, 1.0, True, None
    return mask, found / checked if checked else 1.0, False, verified


def clear_caches() -> None:
    _postings.clear()
    _masks.clear()
    _segment_masks.clear()
    _blocks.clear()
    with _segments_lock:
        _segments.clear()
        _generations.clear()
        _live.clear()
