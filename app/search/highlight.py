"""Snippets and highlights found from the query's terms in the text itself.

The index keeps no character offsets (they doubled its size); the ten texts
of a page are searched directly instead: the text is folded the way the
analyzer folds it (same length, so offsets hold), Chinese / kana / Hangul /
Thai terms are found with ``str.find``, words by a regex over the folded
text compared by their indexed form. Overlapping bigram hits merge into one
mark. Markdown syntax is removed first, so a snippet never shows "# " or
"**"; each passage with hits gives at most one fragment, up to three,
never the same text twice.
"""

from __future__ import annotations

import bisect
import re
from html import escape

from whoosh import query as wq

from app.search.analysis import _LETTERS, _RUNS, fold, word_token

_WORD = re.compile(rf"[{_LETTERS}]+(?:[._\-/][A-Za-z0-9]+)*")
_RUN_CHAR = re.compile(rf"[{_RUNS}]")
_MARKDOWN = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links -> their text
    (re.compile(r"^[ \t]*#{1,6}(?:[ \t]+|$)", re.M), ""),  # headings, however indented
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),  # block quotes
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M), ""),  # list markers
    (re.compile(r"^\s*(?:[-*_=]\s*){3,}$", re.M), ""),  # rules, setext underlines
    (re.compile(r"^\s*```.*$", re.M), ""),  # code fences
    (re.compile(r"(\*\*|__|~~|`)"), ""),  # emphasis, code
    (re.compile(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])"), ""),
    (re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*$", re.M), ""),  # table rules
    (re.compile(r"\s*\|\s*"), " "),  # table cells
]
_MARKDOWN_HINT = re.compile(r"^\s*(?:#|>|[-*+]\s|\d+[.)]\s|```|[-*_=]{3})|\*|__|~~|`|\]\(|\|", re.M)
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """Text without Markdown syntax and with runs of whitespace collapsed."""
    if _MARKDOWN_HINT.search(text):  # one scan instead of eleven for plain text
        for pattern, replacement in _MARKDOWN:
            text = pattern.sub(replacement, text)
    return _SPACE.sub(" ", text).strip()


def query_terms(q) -> tuple[set[str], set[str]]:
    """The indexed terms a query looks for: (run bigrams/unigrams, word forms)."""
    runs: set[str] = set()
    words: set[str] = set()
    for leaf in q.leaves():
        texts = []
        if isinstance(leaf, wq.Term) and leaf.fieldname in ("title", "body"):
            texts = [leaf.text]
        elif isinstance(leaf, wq.Phrase) and leaf.fieldname in ("title", "body"):
            texts = list(leaf.words)
        for text in texts:
            text = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            (runs if _RUN_CHAR.match(text) else words).add(text)
    return runs, words


def hit_spans(text: str, runs: set[str], words: set[str], folded: str | None = None) -> list[tuple[int, int]]:
    """Merged [start, end) spans of the terms in ``text`` (``folded``: its
    fold, when the caller has it)."""
    folded = fold(text) if folded is None else folded
    spans = []
    for term in runs:
        start = folded.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + 1)
    if words:
        prefixes = tuple({w[:3] for w in words})
        for match in _WORD.finditer(folded):
            token = match.group()
            if token[:3].lower().startswith(prefixes) or not token.isascii():
                if word_token(token) in words:
                    spans.append((match.start(), match.end()))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


PAGE_BREAK = "\f"  # OCR text: page N is the N-th part between form feeds (app.ocr.engine)


def hit_pages(text: str, runs: set[str], words: set[str], limit: int = 10) -> list[int]:
    """The page numbers (1-based) of the hits in a text whose pages are
    separated by form feeds; [] for a text without page breaks."""
    if PAGE_BREAK not in text or not (runs or words):
        return []
    breaks = [i for i, ch in enumerate(text) if ch == PAGE_BREAK]
    pages = sorted({bisect.bisect_right(breaks, start) + 1 for start, _ in hit_spans(text, runs, words)})
    return pages[:limit]


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out, at = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(escape(text[at:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        at = e
    out.append(escape(text[at:end]))
    return "".join(out)


def highlight_title(title: str, runs: set[str], words: set[str]) -> str:
    spans = hit_spans(title, runs, words)
    return mark(title, spans) if spans else ""


def fragments(
    text: str, runs: set[str], words: set[str], *, limit: int = 3, width: int = 160, context: int = 40
) -> list[str]:
    """Up to ``limit`` fragments of about ``width`` characters, one per
    passage with hits (the passages with most distinct terms first, shown in
    text order), never two with the same text."""
    text = plain(text)
    folded = fold(text)
    spans = hit_spans(text, runs, words, folded)
    if not spans:
        return []
    # Group hits into passages: a hit starts a new one when it would not fit
    # in the current fragment.
    passages: list[list[tuple[int, int]]] = []
    for span in spans:
        if passages and span[1] - passages[-1][0][0] <= width - 2 * context:
            passages[-1].append(span)
        else:
            passages.append([span])

    def distinct(passage):
        return len({folded[s:e] for s, e in passage})

    best = sorted(range(len(passages)), key=lambda i: (-distinct(passages[i]), i))
    chosen: list[tuple[int, int]] = []
    seen: set[str] = set()
    for i in best:
        passage = passages[i]
        start = max(0, passage[0][0] - context)
        end = min(len(text), max(passage[-1][1] + context, start + width))
        start, end = _word_edges(text, start, end)
        # A window never shows text another fragment already shows: it is
        # cut where the other begins or ends (and dropped if no hit is left).
        for other_start, other_end in chosen:
            if other_start <= start < other_end:
                start = other_end
            if other_start < end <= other_end:
                end = other_start
        if end <= start or not any(start <= s and e <= end for s, e in passage):
            continue
        body = _SPACE.sub(" ", text[start:end]).strip()
        if body in seen:
            continue
        seen.add(body)
        chosen.append((start, end))
        if len(chosen) == limit:
            break
    out = []
    for start, end in sorted(chosen):
        # Every hit inside the window is marked, not only its passage's.
        html = mark(text, spans, start, end).strip()
        out.append(("… " if start > 0 else "") + html + (" …" if end < len(text) else ""))
    return out


def _word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Do not cut a Latin word in half at either edge."""
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start - 1].isascii():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end].isascii():
        end += 1
    return start, end
